package dev.grpo.rollout.service;

import dev.grpo.contracts.RolloutGroup;
import dev.grpo.rollout.policy.CheckpointUnavailableException;
import dev.grpo.rollout.policy.NoPolicyException;
import dev.grpo.rollout.policy.PolicyRegistry;
import dev.grpo.rollout.policy.ServingPolicy;
import java.util.ArrayList;
import java.util.List;

/**
 * The generation thread's decisions for one batch: which policy serves it, which tasks cannot run
 * (no policy, checkpoint unavailable, prompt too long for the context, rejected by the sampler),
 * and the groups of the rest. Pure logic on the policy registry and the sampler; the caller
 * publishes what it is told through {@link Outcomes}, in the order the decisions are made.
 */
public final class BatchGenerator {

  /** What becomes of each task of a batch; called on the generation thread. */
  public interface Outcomes {
    /** The task's group was generated and is to be published. */
    void generated(HeldTask task, RolloutGroup group);

    /**
     * The task cannot be generated and is to be dead-lettered.
     *
     * @param kind a short, stable label ({@code no-policy}, {@code checkpoint-unavailable}, {@code
     *     prompt-too-long}, {@code generation-rejected}), also the metric tag
     * @param reason what was wrong
     */
    void rejected(HeldTask task, String kind, String reason);
  }

  private final PolicyRegistry policies;
  private final GroupSampler sampler;
  private final RolloutMetrics metrics;

  public BatchGenerator(PolicyRegistry policies, GroupSampler sampler, RolloutMetrics metrics) {
    this.policies = policies;
    this.sampler = sampler;
    this.metrics = metrics;
  }

  /**
   * Generates one batch of compatible tasks ({@link TaskQueue#takeBatch}). Tasks that cannot run
   * are rejected first; the others are sampled in one call, and if the sampler refuses the batch,
   * each task is tried alone so that one bad task does not take the others with it.
   */
  public void generate(List<HeldTask> batch, Outcomes outcomes) {
    List<HeldTask> runnable = new ArrayList<>(batch.size());
    for (HeldTask t : batch) {
      try {
        ServingPolicy p = policies.servingFor(t.task().runId(), t.task().policy());
        String tooLong = GroupSampler.rejection(p, t.task());
        if (tooLong != null) {
          outcomes.rejected(t, RolloutMetrics.PROMPT_TOO_LONG, tooLong);
        } else {
          runnable.add(t);
        }
      } catch (NoPolicyException e) {
        outcomes.rejected(t, RolloutMetrics.NO_POLICY, e.getMessage());
      } catch (CheckpointUnavailableException e) {
        outcomes.rejected(t, RolloutMetrics.CHECKPOINT_UNAVAILABLE, e.getMessage());
      }
    }
    if (runnable.isEmpty()) {
      return;
    }
    // servingFor may have loaded a newer reference for a later task: sample all with what serves
    // now.
    ServingPolicy policy = policies.current(runnable.get(0).task().runId());
    GroupSampler.BatchResult result;
    try {
      result = sampler.sample(policy, runnable.stream().map(HeldTask::task).toList());
    } catch (IllegalArgumentException e) {
      if (runnable.size() > 1) {
        for (HeldTask t : runnable) {
          generate(List.of(t), outcomes);
        }
      } else {
        outcomes.rejected(runnable.get(0), RolloutMetrics.GENERATION_REJECTED, e.getMessage());
      }
      return;
    }
    long[] waits = result.groups().stream().mapToLong(g -> g.timings().queueWaitMillis()).toArray();
    int rows = runnable.stream().mapToInt(t -> t.task().groupSize()).sum();
    metrics.batch(runnable.size(), rows, result.generatedTokens(), result.generationNanos(), waits);
    for (int i = 0; i < runnable.size(); i++) {
      outcomes.generated(runnable.get(i), result.groups().get(i));
    }
  }
}
