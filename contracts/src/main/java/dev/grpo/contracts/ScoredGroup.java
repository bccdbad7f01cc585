package dev.grpo.contracts;

import java.util.List;

/**
 * A rollout group with the reward of each completion. Topic {@link Topics#SCORED}, key {@code
 * groupId}.
 *
 * @param schemaVersion contract version, {@link Contracts#SCHEMA_VERSION}
 * @param runId the training run; equals {@code rollout.runId()}
 * @param groupId the group; equals {@code rollout.groupId()}
 * @param rollout the scored group, carried whole (the trainer needs tokens and behaviour log-probs)
 * @param scores one score per completion, {@code scores.get(i).index() == i}
 * @param scoringMillis time the reward service spent on the group, {@code >= 0}
 */
public record ScoredGroup(
    int schemaVersion,
    String runId,
    String groupId,
    RolloutGroup rollout,
    List<CompletionScore> scores,
    long scoringMillis) {

  public ScoredGroup {
    Require.schemaVersion(schemaVersion);
    Require.nonBlank("runId", runId);
    Require.nonBlank("groupId", groupId);
    Require.nonNull("rollout", rollout);
    if (!runId.equals(rollout.runId())) {
      throw new IllegalArgumentException(
          "runId must equal rollout.runId, was '" + runId + "' vs '" + rollout.runId() + "'");
    }
    if (!groupId.equals(rollout.groupId())) {
      throw new IllegalArgumentException(
          "groupId must equal rollout.groupId, was '"
              + groupId
              + "' vs '"
              + rollout.groupId()
              + "'");
    }
    scores = Require.list("scores", scores);
    if (scores.size() != rollout.completions().size()) {
      throw new IllegalArgumentException(
          "scores must hold one entry per completion ("
              + rollout.completions().size()
              + "), was "
              + scores.size());
    }
    for (int i = 0; i < scores.size(); i++) {
      if (scores.get(i).index() != i) {
        throw new IllegalArgumentException(
            "scores[" + i + "].index must be " + i + ", was " + scores.get(i).index());
      }
    }
    Require.atLeast("scoringMillis", scoringMillis, 0);
  }
}
