package dev.grpo.policy.train;

import java.util.ArrayList;
import java.util.List;

/**
 * The advantages of a batch of groups under an {@link AdvantageScaling} and a {@link
 * RewardAggregation}: rewards are centred on their group's mean, then divided by the group's std,
 * the batch's std or nothing, with {@link GroupAdvantages#STD_EPS}; {@code normalize_then_sum}
 * first replaces each reward by the sum of its group-normalised components (GDPO).
 *
 * <p>A group whose rewards are all equal gets exact zeros under every scaling (no signal).
 */
public final class BatchAdvantages {

  private BatchAdvantages() {}

  /**
   * One advantage array per group.
   *
   * @param rewards each group's rewards (at least 2 per group)
   * @param components each group's components [G][K] (same K within a group); read only for {@code
   *     normalize_then_sum}, where it must be given
   */
  public static List<double[]> compute(
      List<double[]> rewards,
      List<double[][]> components,
      AdvantageScaling scale,
      RewardAggregation aggregation) {
    List<double[]> values = rewards;
    if (aggregation == RewardAggregation.NORMALIZE_THEN_SUM) {
      if (components == null || components.size() != rewards.size()) {
        throw new IllegalArgumentException(
            "normalize_then_sum needs the reward components of every group");
      }
      values = new ArrayList<>();
      for (int g = 0; g < rewards.size(); g++) {
        values.add(sumOfNormalised(components.get(g), rewards.get(g).length, g));
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

  private static double[] sumOfNormalised(double[][] comps, int size, int group) {
    if (comps == null || comps.length != size) {
      throw new IllegalArgumentException(
          "components of group " + group + " must hold one row per completion (" + size + ")");
    }
    int k = comps[0] == null ? -1 : comps[0].length;
    double[] sum = new double[size];
    for (int c = 0; c < k; c++) {
      double[] column = new double[size];
      for (int i = 0; i < size; i++) {
        if (comps[i] == null || comps[i].length != k) {
          throw new IllegalArgumentException(
              "components of group " + group + " must have " + k + " values per completion");
        }
        column[i] = comps[i][c];
      }
      double[] normalised = GroupAdvantages.compute(column, true);
      for (int i = 0; i < size; i++) {
        sum[i] += normalised[i];
      }
    }
    if (k < 0) {
      throw new IllegalArgumentException("components of group " + group + " must be given");
    }
    return sum;
  }
}
