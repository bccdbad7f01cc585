package dev.grpo.reward.messaging;

import dev.grpo.contracts.GroupTracing;
import dev.grpo.contracts.SourceRecord;
import dev.grpo.reward.config.RewardConfig;
import dev.grpo.reward.service.RewardMetrics;
import dev.grpo.reward.service.RolloutBatchScorer;
import dev.grpo.reward.service.ScoringOutcome;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordBatchMetadata;
import io.smallrye.reactive.messaging.kafka.transactions.KafkaTransactions;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * The exactly-once loop: consume a batch of {@code grpo.rollouts}, score it, then write every
 * scored group and dead letter together with the batch's consumer offsets in one Kafka transaction
 * ({@link KafkaTransactions#withTransactionAndAck}). If the transaction aborts, SmallRye resets the
 * consumer to the last committed offsets and the batch is consumed and scored again; since its
 * output was aborted too, readers with {@code isolation.level=read_committed} see each group once.
 *
 * <p>Scoring runs before the transaction opens, off the Kafka event loop, so transactions stay
 * short. Reactive Messaging hands this method one batch at a time and the connector pauses polling
 * when its queue is full: that is the backpressure.
 */
@ApplicationScoped
public class RolloutConsumer {
  private static final Logger LOG = Logger.getLogger(RolloutConsumer.class);

  private final KafkaTransactions<byte[]> transactions;
  private final RolloutBatchScorer scorer;
  private final RewardMetrics metrics;
  private final TransactionProbe probe;
  private final ScoringLoopState state;
  private final Tracer tracer;
  private final String instanceId;

  /** Runs the blocking batch scoring; one thread is enough since batches arrive one at a time. */
  private final ExecutorService batchThread =
      Executors.newSingleThreadExecutor(
          r -> {
            var t = new Thread(r, "grpo-reward-batch");
            t.setDaemon(true);
            return t;
          });

  @Inject
  public RolloutConsumer(
      @Channel(Channels.SCORED_OUT) KafkaTransactions<byte[]> transactions,
      RolloutBatchScorer scorer,
      RewardMetrics metrics,
      TransactionProbe probe,
      ScoringLoopState state,
      Tracer tracer,
      RewardConfig config) {
    this.tracer = tracer;
    this.instanceId = config.instanceId();
    this.transactions = transactions;
    this.scorer = scorer;
    this.metrics = metrics;
    this.probe = probe;
    this.state = state;
  }

  /**
   * Scores one batch and publishes its outcomes exactly once. The returned {@code Uni} never fails:
   * a failed transaction is logged and counted, and the batch comes back from the last commit.
   */
  @Incoming(Channels.ROLLOUTS_IN)
  public Uni<Void> onBatch(KafkaRecordBatch<String, byte[]> batch) {
    var records = sourceRecords(batch);
    var traces = traceContexts(batch);
    var received = Instant.now();
    var spans = new ArrayList<Span>();
    Context context = Vertx.currentContext();
    Executor back =
        context == null ? Runnable::run : command -> context.runOnContext(v -> command.run());
    return Uni.createFrom()
        .item(() -> scorer.score(records))
        .runSubscriptionOn(batchThread)
        .emitOn(back)
        .chain(
            outcomes ->
                transactions
                    .withTransactionAndAck(
                        batch,
                        emitter -> {
                          for (int i = 0; i < outcomes.size(); i++) {
                            if (outcomes.get(i) instanceof ScoringOutcome.LeftToJoin) {
                              continue;
                            }
                            probe.beforeSend(i, outcomes);
                            Span span =
                                scoreSpan(records.get(i), outcomes.get(i), traces.get(i), received);
                            spans.add(span);
                            emitter.send(
                                OutgoingRecords.toMessage(
                                    outcomes.get(i), GroupTracing.of(span), instanceId));
                          }
                          return Uni.createFrom().voidItem();
                        })
                    .invoke(
                        () -> {
                          spans.forEach(Span::end);
                          committed(outcomes);
                        }))
        .onFailure()
        .recoverWithItem(
            failure -> {
              spans.forEach(
                  s -> s.setStatus(StatusCode.ERROR, "transaction aborted: " + failure).end());
              if (state.failed(failure)) {
                LOG.errorf(
                    failure,
                    "the scoring loop cannot go on (liveness DOWN): batch of %d records from %s"
                        + " not committed",
                    records.size(),
                    partitions(records));
                return null;
              }
              LOG.warnf(
                  "batch of %d records from %s not committed, it will be consumed again from the"
                      + " last committed offsets: %s",
                  records.size(), partitions(records), failure.toString());
              return null;
            });
  }

  @jakarta.annotation.PreDestroy
  void stop() {
    batchThread.shutdownNow();
  }

  private void committed(List<ScoringOutcome> outcomes) {
    for (var outcome : outcomes) {
      if (outcome instanceof ScoringOutcome.Scored scored) {
        metrics.groupScored("kafka", scored.group().scores());
      } else if (outcome instanceof ScoringOutcome.DeadLettered dead) {
        var letter = dead.envelope();
        metrics.deadLetter(letter.stage());
        LOG.infof(
            "dead-lettered %s-%d@%d (%s): %s",
            letter.sourceTopic(),
            letter.sourcePartition(),
            letter.sourceOffset(),
            letter.stage(),
            letter.reason());
      }
    }
  }

  /**
   * The span of one record's scoring, child of the rollout worker's span in its headers, from the
   * batch's arrival to its transaction's end (the span is ended then, aborted ones with an error).
   */
  private Span scoreSpan(
      SourceRecord record,
      ScoringOutcome outcome,
      io.opentelemetry.context.Context parent,
      Instant received) {
    var span =
        GroupTracing.span(
                tracer,
                GroupTracing.SCORE_SPAN,
                SpanKind.CONSUMER,
                parent,
                outcome instanceof ScoringOutcome.Scored s ? s.group().runId() : null,
                record.keyText())
            .setStartTimestamp(received)
            .setAttribute(INSTANCE_ID, instanceId)
            .startSpan();
    if (outcome instanceof ScoringOutcome.DeadLettered dead) {
      span.setStatus(StatusCode.ERROR, dead.envelope().stage());
    }
    return span;
  }

  private static final AttributeKey<String> INSTANCE_ID =
      AttributeKey.stringKey("grpo.reward.instance.id");

  @SuppressWarnings("unchecked")
  private static List<io.opentelemetry.context.Context> traceContexts(
      KafkaRecordBatch<String, byte[]> batch) {
    var metadata =
        batch
            .getMetadata(IncomingKafkaRecordBatchMetadata.class)
            .orElseThrow(() -> new IllegalStateException("batch without Kafka metadata"));
    var out = new ArrayList<io.opentelemetry.context.Context>(metadata.count());
    for (var raw : metadata.getRecords()) {
      out.add(GroupTracing.extract(((ConsumerRecord<String, byte[]>) raw).headers()));
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static List<SourceRecord> sourceRecords(KafkaRecordBatch<String, byte[]> batch) {
    var metadata =
        batch
            .getMetadata(IncomingKafkaRecordBatchMetadata.class)
            .orElseThrow(() -> new IllegalStateException("batch without Kafka metadata"));
    var out = new ArrayList<SourceRecord>(metadata.count());
    for (var raw : metadata.getRecords()) {
      out.add(SourceRecord.of((ConsumerRecord<String, byte[]>) raw));
    }
    return out;
  }

  private static String partitions(List<SourceRecord> records) {
    return records.stream()
        .map(r -> r.topic() + "-" + r.partition())
        .distinct()
        .toList()
        .toString();
  }
}
