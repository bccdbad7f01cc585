package dev.grpo.policy.train;

/**
 * How the per-checker reward components become one advantage (TRL's multi_objective_aggregation).
 */
public enum RewardAggregation {
  /** Sum the components into one reward, then centre and scale it (GRPO). */
  SUM_THEN_NORMALIZE,
  /**
   * GDPO: centre and divide each component by its group std, sum those, then centre and scale the
   * sum as {@link AdvantageScaling} says.
   */
  NORMALIZE_THEN_SUM;

  /** Parses {@code sum_then_normalize}, {@code normalize_then_sum} (any case). */
  public static RewardAggregation parse(String name) {
    return Choices.parse(RewardAggregation.class, "rewardAggregation", name);
  }
}
