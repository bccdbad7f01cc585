package dev.grpo.contracts;

import java.util.List;

/**
 * The scores one custom reward service gives the completions of one group; the reward service joins
 * the parts a {@link RewardSpec} names into the {@link ScoredGroup}. Topic {@link
 * Topics#REWARD_PARTS}, key {@code groupId}. Idempotency key: {@code (groupId, checker)}.
 *
 * <p>{@link Incubating}: no stage writes or reads it yet; the custom reward services feature (the
 * join of external parts into a {@code ScoredGroup}) will, and may still change it.
 *
 * @param schemaVersion contract version, {@link Contracts#SCHEMA_VERSION}
 * @param runId the training run
 * @param groupId the scored group
 * @param checker the checker name, as in {@link CheckerSpec#name()}
 * @param scores one unweighted, finite score per completion, in completion order; non-empty
 * @param reasons one reason per completion, or empty; optional, default empty
 */
@Incubating
public record RewardPart(
    int schemaVersion,
    String runId,
    String groupId,
    String checker,
    List<Double> scores,
    @OptionalField List<String> reasons) {

  public RewardPart {
    Require.schemaVersion(schemaVersion);
    Require.nonBlank("runId", runId);
    Require.nonBlank("groupId", groupId);
    Require.nonBlank("checker", checker);
    scores = Require.list("scores", scores);
    if (scores.isEmpty()) {
      throw new IllegalArgumentException("scores must hold one score per completion, was empty");
    }
    for (int i = 0; i < scores.size(); i++) {
      Require.finite("scores[" + i + "]", scores.get(i));
    }
    reasons = Require.optionalList("reasons", reasons);
    if (!reasons.isEmpty() && reasons.size() != scores.size()) {
      throw new IllegalArgumentException(
          "reasons must be empty or hold one entry per score ("
              + scores.size()
              + "), was "
              + reasons.size());
    }
  }
}
