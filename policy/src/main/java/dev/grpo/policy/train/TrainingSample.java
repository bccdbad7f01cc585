package dev.grpo.policy.train;

/**
 * One scored completion of a group.
 *
 * @param completionTokenIds the sampled completion tokens (may be empty)
 * @param behaviourLogProbs per-token log-probs recorded by the rollout worker, same length as the
 *     tokens; null when unknown (then the truncated importance weight is 1)
 * @param reward the total reward of this completion, finite
 */
public record TrainingSample(int[] completionTokenIds, float[] behaviourLogProbs, double reward) {

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
  }
}
