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
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CloseOptions.GroupMembershipOperation;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * One member of the rollout consumer group: prompt tasks in, rollout groups out, each batch's
 * groups, dead letters and consumed offsets written in one Kafka transaction, so that a
 * read_committed reader of grpo.rollouts sees each group once whatever dies when.
 *
 * <p>Two threads. The <b>poll thread</b> owns the {@link KafkaConsumer} and the transactions: it
 * polls every {@code pollTimeoutMillis} whatever generation is doing (so a long batch never exceeds
 * {@code max.poll.interval.ms}), decodes records (undecodable ones become dead letters of the next
 * transaction), queues tasks, pauses all assigned partitions while the held tasks would exceed the
 * bound, and writes what the generation thread hands it: {@code beginTransaction}, the batch's
 * groups and dead letters, the offsets {@link OffsetTracker} allows ({@code
 * sendOffsetsToTransaction} with the consumer's group metadata, so a member fenced by a rebalance
 * cannot commit), {@code commitTransaction}. The <b>generation thread</b> swaps staged policy
 * versions in between calls, takes batches of compatible tasks from the {@link TaskQueue}, has the
 * {@link BatchGenerator} decide and sample them, and hands their outcomes to the poll thread: with
 * one task per call, each call's outcomes in one piece; with more, in a call that keeps taking the
 * next queued tasks as rows finish ({@link BatchGenerator#generateLive}), each group as it
 * completes. The decisions live in {@code service}; this class owns the Kafka clients, the threads
 * and the transactions.
 *
 * <p>Only outcomes of tasks taken in the current assignment are written: a task whose partition was
 * revoked (or rewound) while it generated belongs to whoever reads that offset next, and writing
 * its group too would put it in the log twice.
 *
 * <p>A transaction that fails (a send that fails after the producer's retries, an offset commit
 * refused after a rebalance) is aborted, the consumer goes back to the last committed offsets and
 * the tasks are generated again; after {@link #MAX_CONSECUTIVE_ABORTS} failures in a row, or at
 * once when the producer is fenced (another live instance under the same transactional.id) or the
 * engine fails, the worker stops <em>without committing</em>: its uncommitted tasks go to the other
 * members or its restart, which regenerate them under the same groupId.
 */
public final class RolloutWorker implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(RolloutWorker.class);

  /** Failed transactions in a row after which the worker stops (liveness DOWN, a restart). */
  public static final int MAX_CONSECUTIVE_ABORTS = 5;

  /** First wait after a failed transaction; doubles up to {@link #ABORT_BACKOFF_MAX_MILLIS}. */
  static final long ABORT_BACKOFF_MILLIS = 200;

  static final long ABORT_BACKOFF_MAX_MILLIS = 5_000;

  /**
   * Room left for the key, headers and record framing under {@code max.request.size}: a group whose
   * JSON is larger cannot be sent and is dead-lettered instead of failing every transaction.
   */
  static final int RECORD_OVERHEAD_BYTES = 16 * 1024;

  /**
   * Worker settings.
   *
   * @param bootstrapServers Kafka bootstrap servers
   * @param promptsTopic topic of prompt tasks
   * @param consumerGroup consumer group of all rollout workers
   * @param workerId this worker's id
   * @param maxTasksHeld most tasks held (queued + generating)
   * @param maxTasksPerBatch most tasks in flight in one generation call, which takes the next
   *     queued tasks as its rows finish (1: one task per call, no feeding)
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

  /** What becomes of one task, written in the next transaction. */
  private sealed interface Outcome {
    SourceRecord source();
  }

  /** A generated group. */
  private record Generated(HeldTask task, RolloutGroup group) implements Outcome {
    @Override
    public SourceRecord source() {
      return task.source();
    }
  }

  /**
   * A dead letter; {@code task} is null for a record that never became a task (undecodable), and
   * {@code trace} is the trace context its record carried.
   */
  private record Rejected(
      HeldTask task, SourceRecord source, String kind, String reason, Context trace)
      implements Outcome {}

  private final Settings settings;
  private final PolicyRegistry policies;
  private final BatchGenerator generator;
  private final Producer<byte[], byte[]> producer;
  private final RolloutSink sink;
  private final DeadLetterPublisher deadLetters;
  private final RolloutMetrics metrics;
  private final Tracer tracer;
  private final TaskQueue queue = new TaskQueue();
  private final AtomicInteger held = new AtomicInteger();
  private final ConcurrentLinkedQueue<List<Outcome>> handed = new ConcurrentLinkedQueue<>();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final Thread pollThread;
  private final Thread generationThread;
  private volatile boolean generating = true;
  private volatile boolean polling = true;
  private volatile Set<TopicPartition> assignment = Set.of();
  private volatile long lastPollNanos = System.nanoTime();
  private volatile KafkaConsumer<byte[], byte[]> consumer;

  // Poll thread only.
  private final OffsetTracker<TopicPartition> offsets = new OffsetTracker<>();

  /** Tasks taken in the current assignment and not yet written, by identity. */
  private final Set<HeldTask> live = Collections.newSetFromMap(new IdentityHashMap<>());

  /** Undecodable records waiting for the next transaction. */
  private final List<Rejected> pendingLetters = new ArrayList<>();

  private int consecutiveAborts;

  /**
   * @param producer transactional ({@link KafkaClients#producer}); this worker calls {@code
   *     initTransactions} and owns its transactions, {@code sink} and {@code deadLetters} send
   *     through it
   */
  public RolloutWorker(
      Settings settings,
      PolicyRegistry policies,
      Producer<byte[], byte[]> producer,
      RolloutSink sink,
      DeadLetterPublisher deadLetters,
      MeterRegistry meters,
      Tracer tracer) {
    this.tracer = tracer;
    this.settings = settings;
    this.policies = policies;
    this.producer = producer;
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
    KafkaConsumer<byte[], byte[]> c;
    try {
      // Fences an older instance under the same transactional.id and aborts what it left open.
      producer.initTransactions();
      c = new KafkaConsumer<>(props);
    } catch (RuntimeException e) {
      fail(e);
      generating = false;
      return;
    }
    // A static member stays in the group on close unless told to leave: a worker that stops (or
    // fails) in a live process leaves, so its partitions move at once; a killed one never gets
    // here, and its restart under the same id reclaims them.
    try (AutoCloseable leave =
        () ->
            c.close(CloseOptions.groupMembershipOperation(GroupMembershipOperation.LEAVE_GROUP))) {
      consumer = c;
      c.subscribe(List.of(settings.promptsTopic()), new Rebalance(c));
      while (polling && failure.get() == null) {
        writeHanded(c);
        if (failure.get() != null) {
          break;
        }
        // A poll returns at most maxTasksPerBatch records, so pausing at this margin keeps held <=
        // the bound.
        if (held.get() + settings.maxTasksPerBatch() > settings.maxTasksHeld()) {
          c.pause(c.assignment());
        } else if (!c.paused().isEmpty()) {
          c.resume(c.paused());
        }
        ConsumerRecords<byte[], byte[]> records;
        try {
          records = c.poll(Duration.ofMillis(settings.pollTimeoutMillis()));
        } catch (WakeupException e) {
          // the generation thread handed a batch: write it now rather than after the timeout
          records = ConsumerRecords.empty();
        }
        lastPollNanos = System.nanoTime();
        for (ConsumerRecord<byte[], byte[]> r : records) {
          take(r);
        }
      }
      if (failure.get() == null) {
        // Clean stop: the generation thread has handed its last batch; write it.
        writeHanded(c);
      }
      if (failure.get() != null) {
        LOG.errorf(
            "rollout worker %s stops without committing its %d uncommitted tasks: %s",
            settings.workerId(), offsets.inFlight(), failure.get().toString());
      }
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
    if (r.value() == null) {
      reject(
          src,
          "payload is null (a tombstone), expected a PromptTask",
          GroupTracing.extract(r.headers()));
      return;
    }
    try {
      PromptTask task = EventJson.fromBytes(r.value(), PromptTask.class);
      var t = new HeldTask(src, task, System.nanoTime(), GroupTracing.extract(r.headers()));
      live.add(t);
      queue.add(t);
    } catch (EventFormatException e) {
      reject(src, e.getMessage(), GroupTracing.extract(r.headers()));
    }
    updateHeld();
  }

  private void reject(SourceRecord src, String reason, Context trace) {
    pendingLetters.add(new Rejected(null, src, RolloutMetrics.UNDECODABLE, reason, trace));
    updateHeld();
  }

  private void updateHeld() {
    held.set(live.size() + pendingLetters.size());
  }

  /**
   * Writes everything handed so far and the pending dead letters in one transaction, with the
   * offsets that became committable. Outcomes of tasks no longer live are dropped.
   */
  private void writeHanded(KafkaConsumer<byte[], byte[]> c) throws InterruptedException {
    List<Outcome> batch = new ArrayList<>(pendingLetters);
    for (List<Outcome> b; (b = handed.poll()) != null; ) {
      for (Outcome o : b) {
        HeldTask t = o instanceof Generated g ? g.task() : ((Rejected) o).task();
        if (live.remove(t)) {
          batch.add(o);
        }
      }
    }
    pendingLetters.clear();
    updateHeld();
    if (batch.isEmpty()) {
      return;
    }
    for (Outcome o : batch) {
      offsets.done(
          new TopicPartition(o.source().topic(), o.source().partition()), o.source().offset());
    }
    Map<TopicPartition, Long> next = offsets.takeCommittable();
    List<Span> spans = new ArrayList<>(batch.size());
    try {
      producer.beginTransaction();
      List<CompletableFuture<Void>> sends = new ArrayList<>(batch.size());
      for (Outcome o : batch) {
        Span span = generateSpan(o);
        spans.add(span);
        // the record carries the span's context (the sink and the publisher inject the current one)
        try (Scope scope = span.makeCurrent()) {
          if (o instanceof Generated g) {
            sends.add(sink.publish(g.group()));
          } else if (o instanceof Rejected d) {
            sends.add(
                deadLetters.publish(
                    d.source(), DeadLetters.ROLLOUT_GENERATE, d.kind() + ": " + d.reason()));
          }
        }
      }
      if (!next.isEmpty()) {
        producer.sendOffsetsToTransaction(toOffsets(next), c.groupMetadata());
      }
      producer.flush();
      for (var f : sends) {
        // a send that failed (after the producer's retries) fails the transaction
        f.join();
      }
      commit();
    } catch (RuntimeException e) {
      Throwable why = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      for (Span span : spans) {
        span.setStatus(StatusCode.ERROR, "transaction not committed: " + why);
        span.end();
      }
      if (fatal(why)) {
        // Another live instance took over this transactional.id (or the producer cannot go on):
        // this one is a zombie and must not write anything more.
        fail(new IllegalStateException("transaction of " + batch.size() + " outcomes fenced", why));
      } else {
        aborted(c, batch.size(), why);
      }
      return;
    }
    consecutiveAborts = 0;
    spans.forEach(Span::end);
    for (Outcome o : batch) {
      if (o instanceof Generated) {
        metrics.groupPublished();
      } else if (o instanceof Rejected d) {
        metrics.deadLettered(d.kind());
      }
    }
  }

  /**
   * The worker's span of a task's trace, child of the trainer's issue span in its record, from
   * taking the task to the commit of the transaction that wrote its group (or dead letter).
   */
  private Span generateSpan(Outcome o) {
    HeldTask task = o instanceof Generated g ? g.task() : ((Rejected) o).task();
    Context parent = task != null ? task.trace() : ((Rejected) o).trace();
    long receivedNanos = task != null ? task.receivedNanos() : System.nanoTime();
    Instant start = Instant.now().minus(System.nanoTime() - receivedNanos, ChronoUnit.NANOS);
    PromptTask t = task == null ? null : task.task();
    Span span =
        GroupTracing.span(
                tracer,
                GroupTracing.GENERATE_SPAN,
                SpanKind.CONSUMER,
                parent,
                t == null ? null : t.runId(),
                t == null ? o.source().keyText() : t.groupId())
            .setStartTimestamp(start)
            .setAttribute(WORKER_ID, settings.workerId())
            .startSpan();
    if (o instanceof Generated g) {
      span.setAttribute(POLICY_VERSION, g.group().policyVersion());
    } else if (o instanceof Rejected d) {
      span.setStatus(StatusCode.ERROR, d.kind());
    }
    return span;
  }

  private static final AttributeKey<String> WORKER_ID = AttributeKey.stringKey("grpo.worker.id");
  private static final AttributeKey<Long> POLICY_VERSION =
      AttributeKey.longKey("grpo.policy.version");

  /** Errors after which the producer cannot go on (Kafka's list for transactional producers). */
  private static boolean fatal(Throwable e) {
    return e instanceof ProducerFencedException
        || e instanceof FencedInstanceIdException
        || e instanceof OutOfOrderSequenceException
        || e instanceof AuthorizationException
        || e instanceof UnsupportedVersionException;
  }

  /** Commits, retrying a commit that timed out (it must be retried, not aborted). */
  private void commit() {
    long deadline =
        System.nanoTime() + Duration.ofMillis(KafkaClients.DELIVERY_TIMEOUT_MILLIS).toNanos();
    while (true) {
      try {
        producer.commitTransaction();
        return;
      } catch (TimeoutException e) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("commitTransaction timed out until the deadline", e);
        }
        LOG.warnf("rollout worker %s: commit timed out, retrying: %s", settings.workerId(), e);
      }
    }
  }

  /**
   * The transaction failed: abort it, go back to the last committed offsets (its tasks are read and
   * generated again), back off; stop after {@link #MAX_CONSECUTIVE_ABORTS} in a row.
   */
  private void aborted(KafkaConsumer<byte[], byte[]> c, int outcomes, Throwable why)
      throws InterruptedException {
    metrics.transactionAborted();
    try {
      producer.abortTransaction();
    } catch (RuntimeException e) {
      e.addSuppressed(why);
      fail(new IllegalStateException("aborting a failed transaction failed", e));
      return;
    }
    consecutiveAborts++;
    if (consecutiveAborts >= MAX_CONSECUTIVE_ABORTS) {
      fail(
          new IllegalStateException(
              consecutiveAborts
                  + " transactions in a row failed, the last one with "
                  + outcomes
                  + " outcomes",
              why));
      return;
    }
    LOG.warnf(
        "rollout worker %s: transaction of %d outcomes aborted (%d in a row), rewinding to the last"
            + " commit: %s",
        settings.workerId(), outcomes, consecutiveAborts, why.toString());
    rewind(c);
    Thread.sleep(
        Math.min(ABORT_BACKOFF_MAX_MILLIS, ABORT_BACKOFF_MILLIS << (consecutiveAborts - 1)));
  }

  /** Drops every task held and seeks the assigned partitions back to their committed offsets. */
  private void rewind(KafkaConsumer<byte[], byte[]> c) {
    Set<TopicPartition> parts = c.assignment();
    forget(c, parts);
    Map<TopicPartition, OffsetAndMetadata> committed;
    while (true) {
      try {
        committed = c.committed(parts);
        break;
      } catch (WakeupException e) {
        // a batch handed meanwhile: it is dropped (its tasks are no longer live), ask again
      }
    }
    List<TopicPartition> fromStart = new ArrayList<>();
    for (TopicPartition tp : parts) {
      OffsetAndMetadata o = committed.get(tp);
      if (o == null) {
        fromStart.add(tp);
      } else {
        c.seek(tp, o.offset());
      }
    }
    if (!fromStart.isEmpty()) {
      c.seekToBeginning(fromStart); // as auto.offset.reset=earliest would
    }
  }

  private static Map<TopicPartition, OffsetAndMetadata> toOffsets(Map<TopicPartition, Long> next) {
    Map<TopicPartition, OffsetAndMetadata> m = new HashMap<>();
    next.forEach((tp, o) -> m.put(tp, new OffsetAndMetadata(o)));
    return m;
  }

  /**
   * Forgets the partitions' tasks (queued and generating) and offsets: whoever reads them next,
   * this member after a rewind or another after a rebalance, generates them again.
   */
  private void forget(KafkaConsumer<byte[], byte[]> c, Collection<TopicPartition> parts) {
    queue.removeIf(
        t -> parts.contains(new TopicPartition(t.source().topic(), t.source().partition())));
    live.removeIf(
        t -> parts.contains(new TopicPartition(t.source().topic(), t.source().partition())));
    pendingLetters.removeIf(
        d -> parts.contains(new TopicPartition(d.source().topic(), d.source().partition())));
    parts.forEach(offsets::forget);
    updateHeld();
    var now = new HashSet<>(c.assignment());
    now.removeAll(parts);
    assignment = Set.copyOf(now);
  }

  private final class Rebalance implements ConsumerRebalanceListener {
    private final KafkaConsumer<byte[], byte[]> c;

    Rebalance(KafkaConsumer<byte[], byte[]> c) {
      this.c = c;
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> parts) {
      if (failure.get() == null && polling) {
        // Still this generation's member: write what is finished so the next owner need not
        // generate it again. Tasks still generating are forgotten; their outcomes are dropped.
        try {
          writeHanded(c);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
          LOG.warnf("write on revocation failed (the new owner regenerates those tasks): %s", e);
        }
      }
      forget(c, parts);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> parts) {
      forget(c, parts);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> parts) {
      assignment = Set.copyOf(c.assignment());
      if (!parts.isEmpty()) {
        LOG.infof("rollout worker %s now owns %s", settings.workerId(), assignment);
      }
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
        if (batch.isEmpty()) {
          continue;
        }
        if (settings.maxTasksPerBatch() == 1) {
          // One task per call: a call's rows (and their shapes as rows finish) are a function of
          // the task alone, which makes log-probs bit-identical run to run (the demo's setting).
          // Its outcomes go into one transaction.
          List<Outcome> out = new ArrayList<>(batch.size());
          generator.generate(batch, collector(out::add));
          hand(out);
        } else {
          // The running call takes the next waiting tasks as its rows finish; it stops taking
          // them when the worker stops, so close() waits for the tasks already started only.
          // Each outcome is handed as its group completes (a live call may run for long); the
          // poll thread writes whatever was handed since its last transaction in the next one.
          generator.generateLive(
              batch,
              collector(o -> hand(List.of(o))),
              canJoin -> generating ? queue.pollFirstIf(canJoin) : null,
              settings.maxTasksPerBatch());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      fail(e);
    }
  }

  /**
   * Where the generator's decisions go: to {@code out}, handed on to the poll thread's
   * transactions.
   */
  private BatchGenerator.Outcomes collector(Consumer<Outcome> out) {
    return new BatchGenerator.Outcomes() {
      @Override
      public void generated(HeldTask task, RolloutGroup group) {
        int bytes = EventJson.toBytes(group).length;
        if (bytes > KafkaClients.MAX_MESSAGE_BYTES - RECORD_OVERHEAD_BYTES) {
          rejected(
              task,
              RolloutMetrics.GROUP_TOO_LARGE,
              "the group's JSON is "
                  + bytes
                  + " bytes, more than a record may carry ("
                  + (KafkaClients.MAX_MESSAGE_BYTES - RECORD_OVERHEAD_BYTES)
                  + ")");
          return;
        }
        out.accept(new Generated(task, group));
      }

      @Override
      public void rejected(HeldTask task, String kind, String reason) {
        out.accept(new Rejected(task, task.source(), kind, reason, task.trace()));
      }
    };
  }

  private void hand(List<Outcome> out) {
    handed.add(out);
    KafkaConsumer<byte[], byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
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

  /** Tasks taken and not yet written (queued, generating, or waiting for the transaction). */
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
   * Stops cleanly: the batch being generated is finished and written with its offsets; queued tasks
   * stay uncommitted and go to another member.
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
