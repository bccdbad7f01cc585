package dev.grpo.policy.train;

/**
 * One scored completion of a group.
 *
 * @param completionTokenIds the sampled completion tokens (may be empty)
 * @param behaviourLogProbs per-token log-probs recorded by the rollout worker, same length as the
 *     tokens; null when unknown (then the off-policy correction weight is 1)
 * @param reward the total reward of this completion, finite
 * @param truncated whether generation stopped at the length limit (masked with {@code
 *     maskTruncated})
 * @param rewardComponents the weighted per-checker parts of the reward, in the same order for every
 *     completion of a group (read by {@code normalize_then_sum}); null when unknown
 */
public record TrainingSample(
    int[] completionTokenIds,
    float[] behaviourLogProbs,
    double reward,
    boolean truncated,
    double[] rewardComponents) {

  /** A sample that was not truncated and has no reward components. */
  public TrainingSample(int[] completionTokenIds, float[] behaviourLogProbs, double reward) {
    this(completionTokenIds, behaviourLogProbs, reward, false, null);
  }

  public TrainingSample {
    if (completionTokenIds == null) {
      throw new IllegalArgumentException("completionTokenIds must be set, was null");
    }
    if (behaviourLogProbs != null && behaviourLogProbs.length != completionTokenIds.length) {
      throw new IllegalArgumentException(
          "behaviourLogProbs must have one value per completion token ("
              + completionTokenIds.length
              + "), had "
              + behaviourLogProbs.length);
    }
    if (!Double.isFinite(reward)) {
      throw new IllegalArgumentException("reward must be finite, was " + reward);
    }
    if (rewardComponents != null) {
      for (int k = 0; k < rewardComponents.length; k++) {
        if (!Double.isFinite(rewardComponents[k])) {
          throw new IllegalArgumentException(
              "rewardComponents[" + k + "] must be finite, was " + rewardComponents[k]);
        }
      }
    }
  }
}
