package dev.grpo.policy.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Advantage scaling group | batch | none and reward aggregation, computed by hand. */
class BatchAdvantagesTest {

  static final double EPS = GroupAdvantages.STD_EPS;
  static final List<double[]> REWARDS = List.of(new double[] {1, 0}, new double[] {2, 0});

  @Test
  void groupScalingDividesByEachGroupsStd() {
    // group std of {1, 0} is sqrt(0.5), of {2, 0} sqrt(2) (unbiased)
    var a =
        BatchAdvantages.compute(
            REWARDS, null, null, AdvantageScaling.GROUP, RewardAggregation.SUM_THEN_NORMALIZE);
    assertThat(a.get(0)[0]).isCloseTo(0.5 / (Math.sqrt(0.5) + EPS), within(1e-12));
    assertThat(a.get(1)[1]).isCloseTo(-1 / (Math.sqrt(2) + EPS), within(1e-12));
  }

  @Test
  void batchScalingCentresByGroupAndDividesByTheBatchStd() {
    // all rewards {1, 0, 2, 0}: mean 0.75, unbiased variance 2.75 / 3
    double std = Math.sqrt(2.75 / 3);
    var a =
        BatchAdvantages.compute(
            REWARDS, null, null, AdvantageScaling.BATCH, RewardAggregation.SUM_THEN_NORMALIZE);
    assertThat(a.get(0)[0]).isCloseTo(0.5 / (std + EPS), within(1e-12));
    assertThat(a.get(1)[0]).isCloseTo(1 / (std + EPS), within(1e-12));
  }

  @Test
  void noScalingOnlyCentres() {
    var a =
        BatchAdvantages.compute(
            REWARDS, null, null, AdvantageScaling.NONE, RewardAggregation.SUM_THEN_NORMALIZE);
    assertThat(a.get(0)).containsExactly(0.5, -0.5);
    assertThat(a.get(1)).containsExactly(1.0, -1.0);
  }

  @Test
  void constantGroupsGetExactZerosUnderEveryScaling() {
    for (AdvantageScaling s : AdvantageScaling.values()) {
      var a =
          BatchAdvantages.compute(
              List.of(new double[] {0.3, 0.3, 0.3}, new double[] {1, 0}),
              null,
              null,
              s,
              RewardAggregation.SUM_THEN_NORMALIZE);
      assertThat(a.get(0)).containsExactly(0, 0, 0);
    }
  }

  @Test
  void normalizeThenSumNormalisesEachComponentInItsGroup() {
    // components c0 = {1, 0, 0}, c1 = {0, 0, 3}: each centred and divided by its group std;
    // c0: mean 1/3, std sqrt(1/3); c1: mean 1, std sqrt(3). Scale none keeps the sum.
    double[][] comps = {{1, 0}, {0, 0}, {0, 3}};
    double s0 = Math.sqrt(1.0 / 3);
    double s1 = Math.sqrt(3);
    double[] want = {
      (2.0 / 3) / (s0 + EPS) + (-1) / (s1 + EPS),
      (-1.0 / 3) / (s0 + EPS) + (-1) / (s1 + EPS),
      (-1.0 / 3) / (s0 + EPS) + 2 / (s1 + EPS)
    };
    var a =
        BatchAdvantages.compute(
            List.of(new double[] {1, 0, 3}),
            List.<double[][]>of(comps),
            null,
            AdvantageScaling.NONE,
            RewardAggregation.NORMALIZE_THEN_SUM);
    for (int i = 0; i < 3; i++) {
      assertThat(a.get(0)[i]).isCloseTo(want[i], within(1e-9));
    }
    // sum_then_normalize on the same rewards (1, 0, 3) differs: a scale-free check of the order
    var b =
        BatchAdvantages.compute(
            List.of(new double[] {1, 0, 3}),
            null,
            null,
            AdvantageScaling.NONE,
            RewardAggregation.SUM_THEN_NORMALIZE);
    assertThat(b.get(0)).containsExactly(new double[] {-1.0 / 3, -4.0 / 3, 5.0 / 3}, within(1e-12));
  }

  @Test
  void normalizeThenSumWeighsTheNormalisedComponents() {
    // c0 = {1, 0} and c1 = {0, 1} normalise to +-a and -+a; weights (2, -1) give +-3a.
    double a = 0.5 / (Math.sqrt(0.5) + EPS);
    var adv =
        BatchAdvantages.compute(
            List.of(new double[] {1, 1}),
            List.<double[][]>of(new double[][] {{1, 0}, {0, 1}}),
            List.of(new double[] {2, -1}),
            AdvantageScaling.NONE,
            RewardAggregation.NORMALIZE_THEN_SUM);
    assertThat(adv.get(0)[0]).isCloseTo(3 * a, within(1e-12));
    assertThat(adv.get(0)[1]).isCloseTo(-3 * a, within(1e-12));
  }

  @Test
  void normalizeThenSumWithoutComponentsNormalisesTheTotal() {
    var a =
        BatchAdvantages.compute(
            REWARDS, null, null, AdvantageScaling.NONE, RewardAggregation.NORMALIZE_THEN_SUM);
    assertThat(a.get(0)[0]).isCloseTo(0.5 / (Math.sqrt(0.5) + EPS), within(1e-12));
  }
}
