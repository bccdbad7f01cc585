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
 * Sampler} call: every task contributes G rows with its prompt, so the batch has {@code sum(G)}
 * rows. Pure logic on top of the policy module; no Kafka.
 *
 * <p>Prompt layout: {@link PromptEncoding#withBos}, the one the trainer rebuilds to recompute
 * log-probs.
 *
 * <p>Seeds: the sampler takes one seed per call and derives each row's stream from (seed, row). A
 * batch of one task uses the task's seed, so that group is reproducible from the task alone; a
 * batch of several mixes the tasks' seeds in batch order, so it is reproducible only with the same
 * batch.
 */
public final class GroupSampler {

  /** The groups of one batch and its cost. */
  public record BatchResult(
      List<RolloutGroup> groups, long generatedTokens, long generationNanos) {}

  private final Sampler sampler = new Sampler();
  private final String workerId;

  public GroupSampler(String workerId) {
    this.workerId = workerId;
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
    for (PromptTask t : tasks) {
      int[] ids = PromptEncoding.withBos(tok, t.prompt());
      for (int g = 0; g < t.groupSize(); g++) {
        rows.add(ids);
      }
    }
    SamplingParams p = tasks.get(0).sampling();
    long seed = tasks.size() == 1 ? p.seed() : mixedSeed(tasks);
    SamplingConfig cfg =
        new SamplingConfig(
            p.temperature(),
            p.topP(),
            p.topK(),
            p.maxNewTokens(),
            p.stopStrings(),
            List.of(),
            seed);
    Instant started = Instant.now();
    long t0 = System.nanoTime();
    List<Generation> gens = sampler.generate(policy.checkpoint().model(), tok, rows, cfg);
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
        completions.add(
            new Completion(
                g,
                gen.text(),
                gen.tokenIds(),
                gen.logProbs(),
                gen.finishReason() == dev.grpo.policy.sampling.FinishReason.STOP
                    ? FinishReason.STOP
                    : FinishReason.LENGTH));
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

  private static long mixedSeed(List<PromptTask> tasks) {
    long s = 0x9E3779B97F4A7C15L;
    for (PromptTask t : tasks) {
      s = (s ^ t.sampling().seed()) * 0xBF58476D1CE4E5B9L;
      s ^= s >>> 31;
    }
    return s;
  }
}
