package dev.grpo.rollout.service;

import dev.grpo.contracts.Completion;
import dev.grpo.contracts.Contracts;
import dev.grpo.contracts.FinishReason;
import dev.grpo.contracts.PromptTask;
import dev.grpo.contracts.RolloutGroup;
import dev.grpo.contracts.RolloutTimings;
import dev.grpo.contracts.SamplingParams;
import dev.grpo.policy.sampling.Generation;
import dev.grpo.policy.sampling.Sampler;
import dev.grpo.policy.sampling.SamplingConfig;
import dev.grpo.policy.tokenizer.PromptEncoding;
import dev.grpo.policy.tokenizer.Tokenizer;
import dev.grpo.rollout.policy.ServingPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Samples the groups of several compatible tasks (see {@link TaskQueue#compatible}) in one {@link
 * Sampler} call: every task contributes G rows with its prompt (prefilled once), so the batch has
 * {@code sum(G)} rows, of which at most {@code maxRows} are decoded at once (continuous batching).
 * Pure logic on top of the policy module; no Kafka.
 *
 * <p>Prompt layout: {@link PromptEncoding#withBos}, the one the trainer rebuilds to recompute
 * log-probs.
 *
 * <p>Seeds: completion {@code g} of a task draws from its own stream, {@link #completionSeed}(task
 * seed, g). The trainer derives the task seed from (run seed, prompt index), the stable part of the
 * groupId, so a group's completions do not depend on which tasks share the batch or when they
 * arrived.
 */
public final class GroupSampler {

  /** The groups of one batch and its cost. */
  public record BatchResult(
      List<RolloutGroup> groups, long generatedTokens, long generationNanos) {}

  private final Sampler sampler;
  private final String workerId;

  /** A group sampler that decodes every row of a batch at once. */
  public GroupSampler(String workerId) {
    this(workerId, 0);
  }

  /**
   * A group sampler that decodes at most {@code maxRows} rows at once (0 = all); the batch's other
   * rows wait and take the places of finished ones.
   */
  public GroupSampler(String workerId, int maxRows) {
    this.workerId = workerId;
    this.sampler = new Sampler(maxRows, null);
  }

  /**
   * Why the task cannot run on this policy, or null when it can: the prompt plus maxNewTokens must
   * fit the model's context.
   */
  public static String rejection(ServingPolicy policy, PromptTask task) {
    int promptTokens =
        PromptEncoding.withBos(policy.checkpoint().tokenizer(), task.prompt()).length;
    int context = policy.checkpoint().config().maxPositionEmbeddings();
    int needed = promptTokens + task.sampling().maxNewTokens();
    if (needed > context) {
      return "prompt too long for the model's context: prompt tokens ("
          + promptTokens
          + ", with BOS) + maxNewTokens ("
          + task.sampling().maxNewTokens()
          + ") must be <= max_position_embeddings "
          + context
          + ", was "
          + needed;
    }
    return null;
  }

  /** Samples every task's group with {@code policy}; tasks must be compatible. */
  public BatchResult sample(ServingPolicy policy, List<PromptTask> tasks) {
    Tokenizer tok = policy.checkpoint().tokenizer();
    List<int[]> rows = new ArrayList<>();
    long[] seeds = new long[tasks.stream().mapToInt(PromptTask::groupSize).sum()];
    for (PromptTask t : tasks) {
      int[] ids = PromptEncoding.withBos(tok, t.prompt());
      for (int g = 0; g < t.groupSize(); g++) {
        seeds[rows.size()] = completionSeed(t.sampling().seed(), g);
        rows.add(ids);
      }
    }
    SamplingParams p = tasks.get(0).sampling();
    SamplingConfig cfg =
        new SamplingConfig(
            p.temperature(),
            p.topP(),
            p.topK(),
            p.maxNewTokens(),
            p.stopStrings(),
            List.of(),
            p.seed());
    Instant started = Instant.now();
    long t0 = System.nanoTime();
    List<Generation> gens = sampler.generate(policy.checkpoint().model(), tok, rows, cfg, seeds);
    long nanos = System.nanoTime() - t0;
    Instant finished = Instant.now();
    long tokens = 0;
    List<RolloutGroup> groups = new ArrayList<>(tasks.size());
    int row = 0;
    for (PromptTask t : tasks) {
      List<Completion> completions = new ArrayList<>(t.groupSize());
      for (int g = 0; g < t.groupSize(); g++, row++) {
        Generation gen = gens.get(row);
        tokens += gen.tokenIds().length;
        completions.add(completion(g, gen));
      }
      long queueWait = Math.max(0, Duration.between(t.issuedAt(), started).toMillis());
      groups.add(
          new RolloutGroup(
              Contracts.SCHEMA_VERSION,
              t.runId(),
              t.groupId(),
              t,
              policy.version(),
              workerId,
              completions,
              new RolloutTimings(queueWait, nanos / 1_000_000),
              finished));
    }
    return new BatchResult(groups, tokens, nanos);
  }

  /** What a live call did, for the batch metrics. */
  public record LiveResult(int tasks, int rows, long generatedTokens, long generationNanos) {}

  /**
   * Samples {@code first} and then whatever {@code more} hands out while the call runs, in one
   * {@link Sampler} feed: when rows finish and a quarter of the {@code maxRows} slots are free, the
   * remaining rows of started tasks and the rows of new tasks take their places (continuous
   * batching from a live queue). At most {@code maxTasks} tasks are in flight at once; {@code more}
   * is asked only below that, and returns null when no task can join now. Each task's group goes to
   * {@code done} as soon as its last completion ends. Tasks must be compatible with {@code first}'s
   * ({@link TaskQueue#compatible}) and fit the policy ({@link #rejection}).
   *
   * @param <T> the caller's holder of a task
   * @throws IllegalArgumentException when the sampler refuses a prompt; groups already handed to
   *     {@code done} stand, the others were not generated
   */
  public <T> LiveResult sampleLive(
      ServingPolicy policy,
      List<T> first,
      java.util.function.Function<T, PromptTask> taskOf,
      java.util.function.Supplier<T> more,
      int maxTasks,
      java.util.function.BiConsumer<T, RolloutGroup> done) {
    Tokenizer tok = policy.checkpoint().tokenizer();
    SamplingParams p = taskOf.apply(first.get(0)).sampling();
    SamplingConfig cfg =
        new SamplingConfig(
            p.temperature(),
            p.topP(),
            p.topK(),
            p.maxNewTokens(),
            p.stopStrings(),
            List.of(),
            p.seed());
    LiveFeed<T> feed = new LiveFeed<>(policy, tok, first, taskOf, more, maxTasks, done);
    long t0 = System.nanoTime();
    sampler.generate(policy.checkpoint().model(), tok, cfg, feed);
    return new LiveResult(feed.tasks, feed.rows, feed.tokens, System.nanoTime() - t0);
  }

  /** One completion of a started task. */
  private record LiveRow<T>(Started<T> task, int index) {}

  /** A task whose rows are being handed out and whose completions are being collected. */
  private static final class Started<T> {
    final T holder;
    final PromptTask task;
    final int[] prompt;
    final Completion[] completions;
    final Instant admitted = Instant.now();
    final long admittedNanos = System.nanoTime();
    int handedOut;
    int finished;

    Started(T holder, PromptTask task, int[] prompt) {
      this.holder = holder;
      this.task = task;
      this.prompt = prompt;
      this.completions = new Completion[task.groupSize()];
    }
  }

  private final class LiveFeed<T> implements Sampler.Feed<LiveRow<T>> {
    private final ServingPolicy policy;
    private final Tokenizer tok;
    private final java.util.ArrayDeque<T> first;
    private final java.util.function.Function<T, PromptTask> taskOf;
    private final java.util.function.Supplier<T> more;
    private final int maxTasks;
    private final java.util.function.BiConsumer<T, RolloutGroup> done;
    private Started<T> current;
    private int inFlight;
    int tasks;
    int rows;
    long tokens;

    LiveFeed(
        ServingPolicy policy,
        Tokenizer tok,
        List<T> first,
        java.util.function.Function<T, PromptTask> taskOf,
        java.util.function.Supplier<T> more,
        int maxTasks,
        java.util.function.BiConsumer<T, RolloutGroup> done) {
      this.policy = policy;
      this.tok = tok;
      this.first = new java.util.ArrayDeque<>(first);
      this.taskOf = taskOf;
      this.more = more;
      this.maxTasks = maxTasks;
      this.done = done;
    }

    @Override
    public List<LiveRow<T>> next(int max) {
      List<LiveRow<T>> out = new ArrayList<>();
      while (out.size() < max) {
        if (current == null || current.handedOut == current.task.groupSize()) {
          current = start();
          if (current == null) {
            break;
          }
        }
        out.add(new LiveRow<>(current, current.handedOut++));
      }
      return out;
    }

    private Started<T> start() {
      T next = !first.isEmpty() ? first.poll() : inFlight < maxTasks ? more.get() : null;
      if (next == null) {
        return null;
      }
      PromptTask t = taskOf.apply(next);
      inFlight++;
      tasks++;
      rows += t.groupSize();
      return new Started<>(next, t, PromptEncoding.withBos(tok, t.prompt()));
    }

    @Override
    public int[] prompt(LiveRow<T> row) {
      return row.task().prompt;
    }

    @Override
    public long seed(LiveRow<T> row) {
      return completionSeed(row.task().task.sampling().seed(), row.index());
    }

    @Override
    public void finished(LiveRow<T> row, Generation gen) {
      Started<T> s = row.task();
      s.completions[row.index()] = completion(row.index(), gen);
      tokens += gen.tokenIds().length;
      if (++s.finished < s.task.groupSize()) {
        return;
      }
      inFlight--;
      Instant now = Instant.now();
      long queueWait = Math.max(0, Duration.between(s.task.issuedAt(), s.admitted).toMillis());
      long millis = (System.nanoTime() - s.admittedNanos) / 1_000_000;
      done.accept(
          s.holder,
          new RolloutGroup(
              Contracts.SCHEMA_VERSION,
              s.task.runId(),
              s.task.groupId(),
              s.task,
              policy.version(),
              workerId,
              List.of(s.completions),
              new RolloutTimings(queueWait, millis),
              now));
    }
  }

  private static Completion completion(int index, Generation gen) {
    return new Completion(
        index,
        gen.text(),
        gen.tokenIds(),
        gen.logProbs(),
        gen.finishReason() == dev.grpo.policy.sampling.FinishReason.STOP
            ? FinishReason.STOP
            : FinishReason.LENGTH);
  }

  /**
   * The seed of completion {@code index} of a task whose sampling seed is {@code taskSeed}
   * (SplitMix64 finaliser of the pair), so every completion has a stream of its own.
   */
  public static long completionSeed(long taskSeed, int index) {
    long z = taskSeed + 0x9E3779B97F4A7C15L * (index + 1);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
