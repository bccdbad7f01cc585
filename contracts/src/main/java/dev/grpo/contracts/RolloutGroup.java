package dev.grpo.contracts;

import java.time.Instant;
import java.util.List;

/**
 * The G completions a rollout worker sampled for one {@link PromptTask}. Topic {@link
 * Topics#ROLLOUTS}, key {@code groupId}.
 *
 * @param schemaVersion contract version, {@link Contracts#SCHEMA_VERSION}
 * @param runId the training run; equals {@code task.runId()}
 * @param groupId the group; equals {@code task.groupId()}
 * @param task the task this group answers, carried whole so that downstream stages need no lookup
 * @param policyVersion the policy version that sampled every completion of the group, {@code >= 0}
 * @param workerId the rollout worker that produced the group (for tracing, not for logic)
 * @param completions exactly {@code task.groupSize()} completions, {@code
 *     completions.get(i).index() == i}
 * @param timings where the worker spent its time
 * @param createdAt when the group was finished
 */
public record RolloutGroup(
    int schemaVersion,
    String runId,
    String groupId,
    PromptTask task,
    long policyVersion,
    String workerId,
    List<Completion> completions,
    RolloutTimings timings,
    Instant createdAt) {

  public RolloutGroup {
    Require.schemaVersion(schemaVersion);
    Require.nonBlank("runId", runId);
    Require.nonBlank("groupId", groupId);
    Require.nonNull("task", task);
    if (!runId.equals(task.runId())) {
      throw new IllegalArgumentException(
          "runId must equal task.runId, was '" + runId + "' vs '" + task.runId() + "'");
    }
    if (!groupId.equals(task.groupId())) {
      throw new IllegalArgumentException(
          "groupId must equal task.groupId, was '" + groupId + "' vs '" + task.groupId() + "'");
    }
    Require.atLeast("policyVersion", policyVersion, 0);
    Require.nonBlank("workerId", workerId);
    completions = Require.list("completions", completions);
    if (completions.size() != task.groupSize()) {
      throw new IllegalArgumentException(
          "completions must hold task.groupSize="
              + task.groupSize()
              + " entries, was "
              + completions.size());
    }
    for (int i = 0; i < completions.size(); i++) {
      if (completions.get(i).index() != i) {
        throw new IllegalArgumentException(
            "completions[" + i + "].index must be " + i + ", was " + completions.get(i).index());
      }
    }
    Require.nonNull("timings", timings);
    Require.nonNull("createdAt", createdAt);
  }
}
