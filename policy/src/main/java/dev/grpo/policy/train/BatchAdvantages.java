package dev.grpo.policy.train;

import java.util.ArrayList;
import java.util.List;

/**
 * The advantages of a batch of groups under an {@link AdvantageScaling} and a {@link
 * RewardAggregation}: rewards are centred on their group's mean, then divided by the group's std,
 * the batch's std or nothing, with {@link GroupAdvantages#STD_EPS}; {@code normalize_then_sum}
 * first replaces each reward by the weighted sum of its group-normalised components (GDPO: {@code
 * sum_k w_k (c_k - mean_g c_k) / (std_g c_k + eps)}).
 *
 * <p>A group whose rewards are all equal gets exact zeros under every scaling (no signal).
 */
public final class BatchAdvantages {

  private BatchAdvantages() {}

  /**
   * One advantage array per group.
   *
   * @param rewards each group's rewards (at least 2 per group)
   * @param components each group's unweighted components [G][K] (same K within a group); read only
   *     for {@code normalize_then_sum}; a group without them (null, or a null row) uses its total
   *     reward as its one component
   * @param weights each group's K component weights (null: all 1); read only for {@code
   *     normalize_then_sum}
   */
  public static List<double[]> compute(
      List<double[]> rewards,
      List<double[][]> components,
      List<double[]> weights,
      AdvantageScaling scale,
      RewardAggregation aggregation) {
    List<double[]> values = rewards;
    if (aggregation == RewardAggregation.NORMALIZE_THEN_SUM) {
      if (components != null && components.size() != rewards.size()) {
        throw new IllegalArgumentException(
            "components must hold one entry per group ("
                + rewards.size()
                + "), had "
                + components.size());
      }
      values = new ArrayList<>();
      for (int g = 0; g < rewards.size(); g++) {
        double[][] comps = components == null ? null : components.get(g);
        if (comps == null || java.util.Arrays.asList(comps).contains(null)) {
          // No components known: the total is the one component.
          values.add(GroupAdvantages.compute(rewards.get(g), true));
          continue;
        }
        values.add(
            sumOfNormalised(
                components.get(g),
                weights == null ? null : weights.get(g),
                rewards.get(g).length,
                g));
      }
    }
    double batchStd = 0;
    if (scale == AdvantageScaling.BATCH) {
      batchStd =
          GroupAdvantages.std(values.stream().flatMapToDouble(java.util.Arrays::stream).toArray());
    }
    List<double[]> out = new ArrayList<>(values.size());
    for (double[] v : values) {
      double[] centred = GroupAdvantages.compute(v, false);
      if (scale == AdvantageScaling.GROUP) {
        centred = GroupAdvantages.compute(v, true);
      } else if (scale == AdvantageScaling.BATCH) {
        for (int i = 0; i < centred.length; i++) {
          centred[i] /= batchStd + GroupAdvantages.STD_EPS;
        }
      }
      out.add(centred);
    }
    return out;
  }

  private static double[] sumOfNormalised(double[][] comps, double[] weights, int size, int group) {
    if (comps == null || comps.length != size) {
      throw new IllegalArgumentException(
          "components of group " + group + " must hold one row per completion (" + size + ")");
    }
    int k = comps[0].length;
    if (weights != null && weights.length != k) {
      throw new IllegalArgumentException(
          "weights of group " + group + " must hold " + k + " values, had " + weights.length);
    }
    double[] sum = new double[size];
    for (int c = 0; c < k; c++) {
      double[] column = new double[size];
      for (int i = 0; i < size; i++) {
        if (comps[i].length != k) {
          throw new IllegalArgumentException(
              "components of group " + group + " must have " + k + " values per completion");
        }
        column[i] = comps[i][c];
      }
      double[] normalised = GroupAdvantages.compute(column, true);
      for (int i = 0; i < size; i++) {
        sum[i] += (weights == null ? 1 : weights[c]) * normalised[i];
      }
    }
    return sum;
  }
}
