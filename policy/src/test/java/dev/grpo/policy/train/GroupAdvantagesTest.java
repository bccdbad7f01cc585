package dev.grpo.policy.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class GroupAdvantagesTest {

  @Test
  void handComputedGroup() {
    // rewards 1,0,0,1: mean 0.5, unbiased var = 4 * 0.25 / 3 = 1/3, std = 0.577350269
    double[] a = GroupAdvantages.compute(new double[] {1, 0, 0, 1}, true);
    double expected = 0.5 / (Math.sqrt(1.0 / 3) + 1e-4);
    assertThat(a[0]).isCloseTo(expected, within(1e-12));
    assertThat(a[1]).isCloseTo(-expected, within(1e-12));
    assertThat(a[3]).isCloseTo(expected, within(1e-12));
  }

  @Test
  void drGrpoDropsTheStd() {
    double[] a = GroupAdvantages.compute(new double[] {3, 1, 2}, false);
    assertThat(a).containsExactly(1.0, -1.0, 0.0);
  }

  @Test
  void constantGroupHasZeroAdvantage() {
    assertThat(GroupAdvantages.compute(new double[] {0.7, 0.7, 0.7}, true))
        .containsExactly(0.0, 0.0, 0.0);
  }

  @Test
  void badInputNamesTheProblem() {
    assertThatThrownBy(() -> GroupAdvantages.compute(new double[] {1}, true))
        .hasMessageContaining("at least 2");
    assertThatThrownBy(() -> GroupAdvantages.compute(new double[] {1, Double.NaN}, true))
        .hasMessageContaining("rewards[1] must be finite, was NaN");
  }
}
