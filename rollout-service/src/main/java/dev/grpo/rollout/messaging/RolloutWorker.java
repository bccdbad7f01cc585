package dev.grpo.rollout.messaging;

import dev.grpo.contracts.DeadLetters;
import dev.grpo.contracts.EventFormatException;
import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.GroupTracing;
import dev.grpo.contracts.PromptTask;
import dev.grpo.contracts.RolloutGroup;
import dev.grpo.contracts.SourceRecord;
import dev.grpo.rollout.policy.PolicyRegistry;
import dev.grpo.rollout.service.BatchGenerator;
import dev.grpo.rollout.service.GroupSampler;
import dev.grpo.rollout.service.HeldTask;
import dev.grpo.rollout.service.OffsetTracker;
import dev.grpo.rollout.service.RolloutMetrics;
import dev.grpo.rollout.service.TaskQueue;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CloseOptions.GroupMembershipOperation;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * One member of the rollout consumer group: prompt tasks in, rollout groups out, offsets committed
 * only once every task up to them is published or dead-lettered.
 *
 * <p>Two threads. The <b>poll thread</b> owns the {@link KafkaConsumer}: it polls every {@code
 * pollTimeoutMillis} whatever generation is doing (so a long batch never exceeds {@code
 * max.poll.interval.ms}), decodes records (undecodable ones go to the DLQ at once), queues tasks,
 * pauses all assigned partitions while the held tasks would exceed the bound, and commits what
 * {@link OffsetTracker} allows. The <b>generation thread</b> swaps staged policy versions in
 * between batches, takes batches of compatible tasks from the {@link TaskQueue}, has the {@link
 * BatchGenerator} decide and sample them, and hands the groups to the {@link RolloutSink} and the
 * rejected tasks to the {@link DeadLetterPublisher}; publish callbacks report finished offsets back
 * to the poll thread through a queue. The decisions live in {@code service}; this class owns the
 * Kafka clients, the threads and the commits.
 *
 * <p>A failure that is not the task's fault (a publish that fails after the producer's retries, an
 * engine error) stops the worker <em>without committing</em>: its uncommitted tasks go to the other
 * members, which regenerate them under the same groupId.
 */
public final class RolloutWorker implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(RolloutWorker.class);

  /**
   * Worker settings.
   *
   * @param bootstrapServers Kafka bootstrap servers
   * @param promptsTopic topic of prompt tasks
   * @param consumerGroup consumer group of all rollout workers
   * @param workerId this worker's id
   * @param maxTasksHeld most tasks held (queued + generating)
   * @param maxTasksPerBatch most tasks per generation call
   * @param maxRowsPerBatch most sequences decoded at once; a batch's further rows take the places
   *     of finished ones (continuous batching)
   * @param batchLingerMillis wait for a batch to fill
   * @param pollTimeoutMillis consumer poll timeout
   */
  public record Settings(
      String bootstrapServers,
      String promptsTopic,
      String consumerGroup,
      String workerId,
      int maxTasksHeld,
      int maxTasksPerBatch,
      int maxRowsPerBatch,
      long batchLingerMillis,
      long pollTimeoutMillis) {
    public Settings {
      if (maxTasksPerBatch < 1) {
        throw new IllegalArgumentException(
            "maxTasksPerBatch must be >= 1, was " + maxTasksPerBatch);
      }
      if (maxTasksHeld < maxTasksPerBatch) {
        throw new IllegalArgumentException(
            "maxTasksHeld must be >= maxTasksPerBatch ("
                + maxTasksPerBatch
                + "), was "
                + maxTasksHeld);
      }
      if (maxRowsPerBatch < 1) {
        throw new IllegalArgumentException("maxRowsPerBatch must be >= 1, was " + maxRowsPerBatch);
      }
    }
  }

  private record Finished(TopicPartition partition, long offset) {}

  private final Settings settings;
  private final PolicyRegistry policies;
  private final BatchGenerator generator;
  private final RolloutSink sink;
  private final DeadLetterPublisher deadLetters;
  private final RolloutMetrics metrics;
  private final Tracer tracer;
  private final TaskQueue queue = new TaskQueue();
  private final AtomicInteger held = new AtomicInteger();
  private final AtomicInteger unacknowledgedSends = new AtomicInteger();
  private final ConcurrentLinkedQueue<Finished> finished = new ConcurrentLinkedQueue<>();
  private final OffsetTracker<TopicPartition> offsets = new OffsetTracker<>();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final Thread pollThread;
  private final Thread generationThread;
  private volatile boolean generating = true;
  private volatile boolean polling = true;
  private volatile Set<TopicPartition> assignment = Set.of();
  private volatile long lastPollNanos = System.nanoTime();
  private volatile KafkaConsumer<byte[], byte[]> consumer;

  public RolloutWorker(
      Settings settings,
      PolicyRegistry policies,
      RolloutSink sink,
      DeadLetterPublisher deadLetters,
      MeterRegistry meters,
      Tracer tracer) {
    this.tracer = tracer;
    this.settings = settings;
    this.policies = policies;
    this.sink = sink;
    this.deadLetters = deadLetters;
    this.metrics =
        new RolloutMetrics(meters, settings.workerId(), settings.maxTasksPerBatch(), held::get);
    this.generator =
        new BatchGenerator(
            policies, new GroupSampler(settings.workerId(), settings.maxRowsPerBatch()), metrics);
    this.pollThread = new Thread(this::pollLoop, "grpo-rollout-poll-" + settings.workerId());
    this.generationThread =
        new Thread(this::generationLoop, "grpo-rollout-generate-" + settings.workerId());
  }

  /** Starts both threads. */
  public void start() {
    pollThread.start();
    generationThread.start();
    LOG.infof(
        "rollout worker %s started: topic %s, group %s, at most %d tasks held, %d tasks per batch,"
            + " %d rows decoded at once",
        settings.workerId(),
        settings.promptsTopic(),
        settings.consumerGroup(),
        settings.maxTasksHeld(),
        settings.maxTasksPerBatch(),
        settings.maxRowsPerBatch());
  }

  // ---------------------------------------------------------------- poll thread

  private void pollLoop() {
    var props =
        KafkaClients.promptConsumer(
            settings.bootstrapServers(),
            settings.consumerGroup(),
            "rollout-" + settings.workerId(),
            settings.maxTasksPerBatch());
    KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props);
    // A static member stays in the group on close unless told to leave: a worker that stops (or
    // fails) in a live process leaves, so its partitions move at once; a killed one never gets
    // here, and its restart under the same id reclaims them.
    try (AutoCloseable leave =
        () ->
            c.close(CloseOptions.groupMembershipOperation(GroupMembershipOperation.LEAVE_GROUP))) {
      consumer = c;
      c.subscribe(List.of(settings.promptsTopic()), new Rebalance(c));
      while (polling && failure.get() == null) {
        applyFinished();
        commitAsync(c);
        // A poll returns at most maxTasksPerBatch records, so pausing at this margin keeps held <=
        // the bound.
        if (held.get() + settings.maxTasksPerBatch() > settings.maxTasksHeld()) {
          c.pause(c.assignment());
        } else if (!c.paused().isEmpty()) {
          c.resume(c.paused());
        }
        var records = c.poll(Duration.ofMillis(settings.pollTimeoutMillis()));
        lastPollNanos = System.nanoTime();
        for (ConsumerRecord<byte[], byte[]> r : records) {
          take(r);
        }
      }
      if (failure.get() == null) {
        // Clean stop: the generation thread has finished its batch; wait for the broker's acks,
        // then commit.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (unacknowledgedSends.get() > 0 && System.nanoTime() < deadline) {
          Thread.sleep(10);
        }
        applyFinished();
        commitSync(c, offsets.takeCommittable());
      } else {
        LOG.errorf(
            "rollout worker %s stops without committing its %d uncommitted tasks: %s",
            settings.workerId(), offsets.inFlight(), failure.get().toString());
      }
    } catch (WakeupException e) {
      // close() while blocked in poll
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      fail(e);
    } catch (Exception e) {
      // only close() throws a checked exception here
      LOG.debugf(e, "rollout worker %s: consumer close failed", settings.workerId());
    } finally {
      assignment = Set.of();
      generating = false;
    }
  }

  private void take(ConsumerRecord<byte[], byte[]> r) {
    var tp = new TopicPartition(r.topic(), r.partition());
    offsets.taken(tp, r.offset());
    var src = SourceRecord.of(r);
    held.incrementAndGet();
    if (r.value() == null) {
      deadLetter(
          src,
          RolloutMetrics.UNDECODABLE,
          "payload is null (a tombstone), expected a PromptTask",
          generateSpan(src, null, System.nanoTime(), GroupTracing.extract(r.headers())));
      return;
    }
    try {
      PromptTask task = EventJson.fromBytes(r.value(), PromptTask.class);
      queue.add(new HeldTask(src, task, System.nanoTime(), GroupTracing.extract(r.headers())));
    } catch (EventFormatException e) {
      deadLetter(
          src,
          RolloutMetrics.UNDECODABLE,
          e.getMessage(),
          generateSpan(src, null, System.nanoTime(), GroupTracing.extract(r.headers())));
    }
  }

  private void applyFinished() {
    for (Finished f; (f = finished.poll()) != null; ) {
      offsets.done(f.partition(), f.offset());
    }
  }

  private void commitAsync(KafkaConsumer<byte[], byte[]> c) {
    Map<TopicPartition, Long> next = offsets.takeCommittable();
    if (!next.isEmpty()) {
      c.commitAsync(
          toOffsets(next),
          (o, e) -> {
            if (e != null) {
              // A later commit supersedes it; a lost one means re-delivery, never loss.
              LOG.warnf("commit of %s failed: %s", o, e.toString());
            }
          });
    }
  }

  private static void commitSync(KafkaConsumer<byte[], byte[]> c, Map<TopicPartition, Long> next) {
    if (!next.isEmpty()) {
      c.commitSync(toOffsets(next));
    }
  }

  private static Map<TopicPartition, OffsetAndMetadata> toOffsets(Map<TopicPartition, Long> next) {
    Map<TopicPartition, OffsetAndMetadata> m = new HashMap<>();
    next.forEach((tp, o) -> m.put(tp, new OffsetAndMetadata(o)));
    return m;
  }

  private final class Rebalance implements ConsumerRebalanceListener {
    private final KafkaConsumer<byte[], byte[]> c;

    Rebalance(KafkaConsumer<byte[], byte[]> c) {
      this.c = c;
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> parts) {
      if (failure.get() != null) {
        // Also called by close() after a failure: a dying worker commits nothing.
        forget(parts);
        return;
      }
      applyFinished();
      Map<TopicPartition, Long> next = offsets.takeCommittable();
      next.keySet().retainAll(parts);
      try {
        commitSync(c, next);
      } catch (RuntimeException e) {
        LOG.warnf(
            "commit on revocation failed (the new owner regenerates those tasks): %s",
            e.toString());
      }
      forget(parts);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> parts) {
      forget(parts);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> parts) {
      assignment = Set.copyOf(c.assignment());
      if (!parts.isEmpty()) {
        LOG.infof("rollout worker %s now owns %s", settings.workerId(), assignment);
      }
    }

    private void forget(Collection<TopicPartition> parts) {
      // Queued tasks of those partitions go to their new owner; tasks already generating still
      // publish
      // (a duplicate groupId the reward stage drops).
      List<HeldTask> dropped =
          queue.removeIf(
              t -> parts.contains(new TopicPartition(t.source().topic(), t.source().partition())));
      held.addAndGet(-dropped.size());
      parts.forEach(offsets::forget);
      var now = new java.util.HashSet<>(c.assignment());
      now.removeAll(parts);
      assignment = Set.copyOf(now);
    }
  }

  // ---------------------------------------------------------- generation thread

  private void generationLoop() {
    try {
      while (generating && failure.get() == null) {
        policies.swapStaged();
        List<HeldTask> batch =
            queue.takeBatch(
                settings.maxTasksPerBatch(), Integer.MAX_VALUE, 100, settings.batchLingerMillis());
        if (!batch.isEmpty()) {
          generator.generate(batch, outcomes);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      fail(e);
    }
  }

  /** Where the generator's decisions go: groups to the sink, rejected tasks to the DLQ. */
  private final BatchGenerator.Outcomes outcomes =
      new BatchGenerator.Outcomes() {
        @Override
        public void generated(HeldTask task, RolloutGroup group) {
          Span span = generateSpan(task);
          span.setAttribute(POLICY_VERSION, group.policyVersion());
          publish(task.source(), group, span);
        }

        @Override
        public void rejected(HeldTask task, String kind, String reason) {
          deadLetter(task.source(), kind, reason, generateSpan(task));
        }
      };

  /**
   * The worker's span of a task's trace, child of the trainer's issue span in its record, from
   * taking the task to the broker's acknowledgement of its group (or dead letter).
   */
  private Span generateSpan(HeldTask task) {
    return generateSpan(task.source(), task.task(), task.receivedNanos(), task.trace());
  }

  private Span generateSpan(SourceRecord src, PromptTask task, long receivedNanos, Context parent) {
    Instant start = Instant.now().minus(System.nanoTime() - receivedNanos, ChronoUnit.NANOS);
    return GroupTracing.span(
            tracer,
            GroupTracing.GENERATE_SPAN,
            SpanKind.CONSUMER,
            parent,
            task == null ? null : task.runId(),
            task == null ? src.keyText() : task.groupId())
        .setStartTimestamp(start)
        .setAttribute(WORKER_ID, settings.workerId())
        .startSpan();
  }

  private static final AttributeKey<String> WORKER_ID = AttributeKey.stringKey("grpo.worker.id");
  private static final AttributeKey<Long> POLICY_VERSION =
      AttributeKey.longKey("grpo.policy.version");

  private void publish(SourceRecord src, RolloutGroup group, Span span) {
    unacknowledgedSends.incrementAndGet();
    CompletableFuture<Void> sent;
    try (Scope scope = span.makeCurrent()) {
      sent = sink.publish(group);
    }
    sent.whenComplete(
        (v, e) -> {
          unacknowledgedSends.decrementAndGet();
          if (e != null) {
            span.setStatus(StatusCode.ERROR, String.valueOf(e));
            span.end();
            fail(new IllegalStateException("publishing group " + group.groupId() + " failed", e));
            return;
          }
          span.end();
          metrics.groupPublished();
          finish(src);
        });
  }

  private void deadLetter(SourceRecord src, String kind, String reason, Span span) {
    metrics.deadLettered(kind);
    unacknowledgedSends.incrementAndGet();
    span.setStatus(StatusCode.ERROR, kind);
    CompletableFuture<Void> sent;
    try (Scope scope = span.makeCurrent()) {
      sent = deadLetters.publish(src, DeadLetters.ROLLOUT_GENERATE, kind + ": " + reason);
    }
    sent.whenComplete(
        (v, e) -> {
          span.end();
          unacknowledgedSends.decrementAndGet();
          if (e != null) {
            fail(new IllegalStateException("dead-lettering " + src.coordinates() + " failed", e));
            return;
          }
          finish(src);
        });
  }

  private void finish(SourceRecord src) {
    held.decrementAndGet();
    finished.add(new Finished(new TopicPartition(src.topic(), src.partition()), src.offset()));
  }

  private void fail(Throwable e) {
    if (failure.compareAndSet(null, e)) {
      LOG.error("rollout worker " + settings.workerId() + " failed and stops", e);
    }
    generating = false;
    polling = false;
  }

  // ------------------------------------------------------------------ status

  /** The worker id. */
  public String workerId() {
    return settings.workerId();
  }

  /** Partitions this member owns now. */
  public Set<TopicPartition> assignment() {
    return assignment;
  }

  /** Tasks taken and not finished. */
  public int heldTasks() {
    return held.get();
  }

  /** Why the worker stopped, or null while it is healthy. */
  public Throwable failure() {
    return failure.get();
  }

  /** Whether both threads run and the consumer polled within {@code withinMillis}. */
  public boolean healthy(long withinMillis) {
    return failure.get() == null
        && pollThread.isAlive()
        && generationThread.isAlive()
        && System.nanoTime() - lastPollNanos < withinMillis * 1_000_000L;
  }

  /** Its dead-letter writes, for the health check. */
  public dev.grpo.contracts.DeadLetterWrites deadLetterWrites() {
    return deadLetters.writes();
  }

  /** Whether both threads run and the worker has not failed: what liveness reports. */
  public boolean alive() {
    return failure.get() == null && pollThread.isAlive() && generationThread.isAlive();
  }

  /** Groups this worker published. */
  public double groupsPublished() {
    return metrics.groupsPublished();
  }

  /**
   * Stops cleanly: the batch being generated is finished and published, then offsets are committed;
   * queued tasks stay uncommitted and go to another member.
   */
  @Override
  public void close() {
    generating = false;
    join(generationThread);
    polling = false;
    join(pollThread);
    LOG.infof("rollout worker %s stopped", settings.workerId());
  }

  private static void join(Thread t) {
    try {
      t.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
