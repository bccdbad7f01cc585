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
   * As {@link #generate}, but the call keeps taking tasks while it runs: whenever rows finish, the
   * next waiting task joins when {@link #canJoin} says so ({@code more} gives the candidate without
   * removing it unless accepted, e.g. {@link TaskQueue#pollFirstIf}), up to {@code maxTasks} in
   * flight; each group is handed out as soon as it is complete. A task that is too long for the
   * context is rejected as it is taken. If the sampler refuses a prompt, the tasks of the call not
   * generated yet are tried one by one as in {@link #generate}.
   */
  public void generateLive(
      List<HeldTask> batch,
      Outcomes outcomes,
      java.util.function.Function<java.util.function.Predicate<HeldTask>, HeldTask> more,
      int maxTasks) {
    List<HeldTask> runnable = runnable(batch, outcomes);
    if (runnable.isEmpty()) {
      return;
    }
    ServingPolicy policy = policies.current(runnable.get(0).task().runId());
    HeldTask head = runnable.get(0);
    List<HeldTask> taken = new ArrayList<>(runnable);
    java.util.Set<HeldTask> finished =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    java.util.function.Supplier<HeldTask> supply =
        () -> {
          for (HeldTask t; (t = more.apply(c -> canJoin(policy, head, c))) != null; ) {
            String tooLong = GroupSampler.rejection(policy, t.task());
            if (tooLong == null) {
              taken.add(t);
              return t;
            }
            outcomes.rejected(t, RolloutMetrics.PROMPT_TOO_LONG, tooLong);
          }
          return null;
        };
    List<Long> waits = new ArrayList<>();
    GroupSampler.LiveResult result;
    try {
      result =
          sampler.sampleLive(
              policy,
              runnable,
              HeldTask::task,
              supply,
              maxTasks,
              (t, group) -> {
                finished.add(t);
                waits.add(group.timings().queueWaitMillis());
                outcomes.generated(t, group);
              });
    } catch (IllegalArgumentException e) {
      for (HeldTask t : taken) {
        if (!finished.contains(t)) {
          generate(List.of(t), outcomes);
        }
      }
      return;
    }
    metrics.batch(
        result.tasks(),
        result.rows(),
        result.generatedTokens(),
        result.generationNanos(),
        waits.stream().mapToLong(Long::longValue).toArray());
  }

  /**
   * Whether task {@code t} may join a running call of {@code head}'s sampled with {@code policy}:
   * compatible with it, served by that policy as it is (no checkpoint to load for it), and no newer
   * version of the run is staged (the call then drains, so that the swap happens between calls).
   */
  public boolean canJoin(ServingPolicy policy, HeldTask head, HeldTask t) {
    if (!TaskQueue.compatible(head, t)) {
      return false;
    }
    String run = t.task().runId();
    if (policies.current(run) != policy || policies.availableVersion(run) != policy.version()) {
      return false;
    }
    return t.task().policy().version() <= policy.version()
        || t.task().policy().checkpointUri() == null;
  }

  private List<HeldTask> runnable(List<HeldTask> batch, Outcomes outcomes) {
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
    return runnable;
  }

  /**
   * Generates one batch of compatible tasks ({@link TaskQueue#takeBatch}). Tasks that cannot run
   * are rejected first; the others are sampled in one call, and if the sampler refuses the batch,
   * each task is tried alone so that one bad task does not take the others with it.
   */
  public void generate(List<HeldTask> batch, Outcomes outcomes) {
    List<HeldTask> runnable = runnable(batch, outcomes);
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
