package dev.grpo.trainer.service;

import dev.grpo.contracts.Completion;
import dev.grpo.contracts.CompletionScore;
import dev.grpo.contracts.ScoredGroup;
import dev.grpo.policy.train.TrainingGroup;
import dev.grpo.policy.train.TrainingSample;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Plain checks and conversions of a {@link ScoredGroup} on its way into a training batch. */
public final class ScoredGroups {
  private ScoredGroups() {}

  /** Indices of completions whose reward counts (the reward service did not mark them skipped). */
  public static List<Integer> scoredIndices(ScoredGroup g) {
    var out = new ArrayList<Integer>();
    for (CompletionScore s : g.scores()) {
      if (!s.skipped()) {
        out.add(s.index());
      }
    }
    return out;
  }

  /**
   * Whether the counted rewards are all equal (bitwise-equal doubles: checkers give exact scores).
   */
  public static boolean allEqual(ScoredGroup g, List<Integer> indices) {
    double first = g.scores().get(indices.get(0)).total();
    for (int i : indices) {
      if (Double.compare(g.scores().get(i).total(), first) != 0) {
        return false;
      }
    }
    return true;
  }

  /** Why a group cannot be used as training data at all (a dead letter), or empty when it can. */
  public static Optional<String> unusable(
      ScoredGroup g, int vocabSize, int promptLength, int maxPositions) {
    for (Completion c : g.rollout().completions()) {
      for (int t : c.tokenIds()) {
        if (t >= vocabSize) {
          return Optional.of(
              "completion "
                  + c.index()
                  + " has token id "
                  + t
                  + " outside the policy vocabulary ["
                  + "0, "
                  + vocabSize
                  + ")");
        }
      }
      if (promptLength + c.length() > maxPositions) {
        return Optional.of(
            "prompt ("
                + promptLength
                + " tokens) + completion "
                + c.index()
                + " ("
                + c.length()
                + " tokens) exceeds max_position_embeddings "
                + maxPositions);
      }
    }
    return Optional.empty();
  }

  /** The group as the policy module's training input, counted completions only. */
  public static TrainingGroup toTrainingGroup(
      ScoredGroup g, int[] promptTokenIds, List<Integer> indices) {
    return toTrainingGroup(g, promptTokenIds, indices, new java.util.LinkedHashMap<>());
  }

  /**
   * As {@link #toTrainingGroup(ScoredGroup, int[], List)}, with each completion's truncation and,
   * when every counted score has a component for every checker of {@code weights}, its per-checker
   * components in the order of {@code weights} (for {@code normalize_then_sum}).
   */
  public static TrainingGroup toTrainingGroup(
      ScoredGroup g,
      int[] promptTokenIds,
      List<Integer> indices,
      java.util.LinkedHashMap<String, Double> weights) {
    boolean complete = !weights.isEmpty();
    for (int i : indices) {
      complete &= g.scores().get(i).components().keySet().containsAll(weights.keySet());
    }
    var samples = new ArrayList<TrainingSample>(indices.size());
    for (int i : indices) {
      Completion c = g.rollout().completions().get(i);
      var score = g.scores().get(i);
      double[] parts =
          complete
              ? weights.keySet().stream().mapToDouble(k -> score.components().get(k)).toArray()
              : null;
      samples.add(
          new TrainingSample(
              c.tokenIds(),
              c.logProbs(),
              score.total(),
              c.finishReason() == dev.grpo.contracts.FinishReason.LENGTH,
              parts));
    }
    double[] w =
        complete ? weights.values().stream().mapToDouble(Double::doubleValue).toArray() : null;
    return new TrainingGroup(promptTokenIds, samples, g.rollout().policyVersion(), w);
  }

  /** Each checker's weight, in the reward spec's order. */
  public static java.util.LinkedHashMap<String, Double> weights(
      dev.grpo.contracts.RewardSpec spec) {
    var out = new java.util.LinkedHashMap<String, Double>();
    spec.checkers().forEach(c -> out.put(c.name(), c.weight()));
    return out;
  }
}
