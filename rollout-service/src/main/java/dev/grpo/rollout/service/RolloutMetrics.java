package dev.grpo.rollout.service;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The worker's meters, all tagged with the worker id. Rates (tokens/s, groups/s) come from the
 * counters ({@code rate(grpo_rollout_tokens_total[1m])}); the last batch's tokens/s is also a
 * gauge.
 */
public final class RolloutMetrics {
  /** Undecodable record on grpo.prompts. */
  public static final String UNDECODABLE = "undecodable";

  /** Prompt longer than the policy's context. */
  public static final String PROMPT_TOO_LONG = "prompt-too-long";

  /** No policy published for the task's run. */
  public static final String NO_POLICY = "no-policy";

  /** The policy's checkpoint could not be loaded. */
  public static final String CHECKPOINT_UNAVAILABLE = "checkpoint-unavailable";

  /** The sampler refused the task on its own. */
  public static final String GENERATION_REJECTED = "generation-rejected";

  /** The generated group's JSON is larger than a record may be. */
  public static final String GROUP_TOO_LARGE = "group-too-large";

  /** Every {@code kind} of {@code grpo_rollout_dead_letters_total}. */
  public static final List<String> DEAD_LETTER_KINDS =
      List.of(
          UNDECODABLE,
          PROMPT_TOO_LONG,
          NO_POLICY,
          CHECKPOINT_UNAVAILABLE,
          GENERATION_REJECTED,
          GROUP_TOO_LARGE);

  private final MeterRegistry registry;
  private final String workerId;
  private final Counter tokens;
  private final Counter groups;
  private final Counter transactionsAborted;
  private final DistributionSummary batchFill;
  private final DistributionSummary batchRows;
  private final Timer timePerGroup;
  private final Timer queueWait;
  private final AtomicLong lastTokensPerSecond = new AtomicLong();
  private final int maxTasksPerBatch;

  public RolloutMetrics(
      MeterRegistry registry, String workerId, int maxTasksPerBatch, Supplier<Number> heldTasks) {
    this.registry = registry;
    this.workerId = workerId;
    tokens =
        Counter.builder("grpo.rollout.tokens")
            .description("completion tokens generated")
            .tag("worker", workerId)
            .register(registry);
    groups =
        Counter.builder("grpo.rollout.groups")
            .description("rollout groups published")
            .tag("worker", workerId)
            .register(registry);
    transactionsAborted =
        Counter.builder("grpo.rollout.transactions.aborted")
            .description("transactions aborted (their tasks are generated again)")
            .tag("worker", workerId)
            .register(registry);
    batchFill =
        DistributionSummary.builder("grpo.rollout.batch.fill")
            .description("tasks in a generation call / max tasks per batch")
            .tag("worker", workerId)
            .register(registry);
    batchRows =
        DistributionSummary.builder("grpo.rollout.batch.rows")
            .description("sequences in a generation call")
            .tag("worker", workerId)
            .register(registry);
    timePerGroup =
        Timer.builder("grpo.rollout.group.time")
            .description("generation time of a batch divided by its groups")
            .tag("worker", workerId)
            .register(registry);
    queueWait =
        Timer.builder("grpo.rollout.queue.wait")
            .description("task issuedAt to generation start")
            .tag("worker", workerId)
            .register(registry);
    Gauge.builder("grpo.rollout.tokens.per.second", lastTokensPerSecond, AtomicLong::get)
        .description("tokens/s of the last generation call")
        .tag("worker", workerId)
        .register(registry);
    // Micrometer holds a gauge's object weakly: the worker's method reference would be collected
    // and the gauge read NaN (seen under a backlog), so this one is held strongly.
    Gauge.builder("grpo.rollout.tasks.held", heldTasks, s -> s.get().doubleValue())
        .description("tasks taken from Kafka and not yet finished")
        .tag("worker", workerId)
        .strongReference(true)
        .register(registry);
    this.maxTasksPerBatch = maxTasksPerBatch;
    // Registered at 0: a counter first seen at 1 shows no increase() in Prometheus, so the first
    // dead letter of a kind would read 0 on the dashboard.
    for (String kind : DEAD_LETTER_KINDS) {
      deadLetters(kind);
    }
  }

  /** One generation call finished. */
  public void batch(int tasks, int rows, long generatedTokens, long nanos, long[] queueWaitMillis) {
    tokens.increment(generatedTokens);
    batchFill.record((double) tasks / maxTasksPerBatch);
    batchRows.record(rows);
    timePerGroup.record(nanos / Math.max(1, tasks), TimeUnit.NANOSECONDS);
    for (long w : queueWaitMillis) {
      queueWait.record(w, TimeUnit.MILLISECONDS);
    }
    lastTokensPerSecond.set(nanos == 0 ? 0 : Math.round(generatedTokens * 1e9 / nanos));
  }

  /** A group was published. */
  public void groupPublished() {
    groups.increment();
  }

  /** A transaction was aborted. */
  public void transactionAborted() {
    transactionsAborted.increment();
  }

  /** A task went to the dead-letter topic. */
  public void deadLettered(String kind) {
    deadLetters(kind).increment();
  }

  private Counter deadLetters(String kind) {
    return Counter.builder("grpo.rollout.dead.letters")
        .description("tasks sent to grpo.dlq")
        .tag("worker", workerId)
        .tag("kind", kind)
        .register(registry);
  }

  /** Total groups published by this worker (for tests and logs). */
  public double groupsPublished() {
    return groups.count();
  }
}
