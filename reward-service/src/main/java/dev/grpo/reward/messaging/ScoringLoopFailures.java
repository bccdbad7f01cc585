package dev.grpo.reward.messaging;

import dev.grpo.reward.service.RewardMetrics;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.IncomingKafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaConnectorIncomingConfiguration;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import io.smallrye.reactive.messaging.kafka.fault.KafkaFailureHandler;
import io.smallrye.reactive.messaging.kafka.fault.KafkaIgnoreFailure;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.eclipse.microprofile.reactive.messaging.Metadata;

/**
 * The failure strategy of {@code rollouts-in} ({@code failure-strategy=grpo-scoring-loop}): as
 * {@code ignore} (a failed transaction is recovered by rewinding to the last commit, bad records
 * are dead letters inside the transaction), but a failure that no retry can cure, such as a fenced
 * producer, is recorded in {@link ScoringLoopState} so that liveness goes DOWN. A failed batch
 * transaction reaches the loop only here: {@code withTransactionAndAck} nacks the batch (the {@code
 * Uni} it returns does not fail), so the abort is counted here too ({@code
 * grpo_reward_transactions_aborted_total}), once per failure: a batch's nack reaches this handler
 * once per partition, with the same reason.
 */
@ApplicationScoped
@Identifier(ScoringLoopFailures.NAME)
public class ScoringLoopFailures implements KafkaFailureHandler.Factory {
  /** The strategy's name in {@code application.properties}. */
  public static final String NAME = "grpo-scoring-loop";

  private final ScoringLoopState state;
  private final RewardMetrics metrics;
  private final AtomicReference<Throwable> lastCounted = new AtomicReference<>();

  public ScoringLoopFailures(ScoringLoopState state, RewardMetrics metrics) {
    this.state = state;
    this.metrics = metrics;
  }

  @Override
  public KafkaFailureHandler create(
      KafkaConnectorIncomingConfiguration config,
      Vertx vertx,
      KafkaConsumer<?, ?> consumer,
      BiConsumer<Throwable, Boolean> reportFailure) {
    var ignore = new KafkaIgnoreFailure(config.getChannel());
    return new KafkaFailureHandler() {
      @Override
      public <K, V> Uni<Void> handle(
          IncomingKafkaRecord<K, V> record, Throwable reason, Metadata metadata) {
        if (lastCounted.getAndSet(reason) != reason) {
          metrics.transactionAborted();
        }
        state.failed(reason);
        return ignore.handle(record, reason, metadata);
      }
    };
  }
}
