package dev.grpo.policy.train;

import java.util.List;

/**
 * G scored completions of one prompt: the unit GRPO computes advantages over.
 *
 * @param promptTokenIds the prompt, at least 1 token
 * @param completions the group, at least 2
 * @param policyVersion version of the policy that generated the completions
 * @param componentWeights the weight of each reward component of the samples (null: all 1)
 */
public record TrainingGroup(
    int[] promptTokenIds,
    List<TrainingSample> completions,
    long policyVersion,
    double[] componentWeights) {

  /** A group whose reward components, if any, weigh 1 each. */
  public TrainingGroup(int[] promptTokenIds, List<TrainingSample> completions, long policyVersion) {
    this(promptTokenIds, completions, policyVersion, null);
  }

  public TrainingGroup {
    if (promptTokenIds == null || promptTokenIds.length == 0) {
      throw new IllegalArgumentException(
          "promptTokenIds must hold at least 1 token, was "
              + (promptTokenIds == null ? "null" : "empty"));
    }
    if (completions == null || completions.size() < 2) {
      throw new IllegalArgumentException(
          "completions must hold at least 2 samples (a group), had "
              + (completions == null ? "null" : completions.size()));
    }
    completions = List.copyOf(completions);
  }

  /** The rewards of the group, in order. */
  public double[] rewards() {
    return completions.stream().mapToDouble(TrainingSample::reward).toArray();
  }
}
