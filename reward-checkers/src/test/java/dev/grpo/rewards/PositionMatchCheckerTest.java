package dev.grpo.rewards;

import static dev.grpo.rewards.Checks.gold;
import static dev.grpo.rewards.Checks.map;
import static dev.grpo.rewards.Checks.run;
import static dev.grpo.rewards.Checks.score;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.grpo.rewardapi.CheckResult;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PositionMatchCheckerTest {
  final PositionMatchChecker c = new PositionMatchChecker();

  @Test
  void exactAnswerScoresOne() {
    assertThat(score(c, "714", gold("714"))).isEqualTo(1.0);
    assertThat(score(c, " 7\n", gold("7"))).isEqualTo(1.0);
  }

  @Test
  void partialCreditIsMatchesOverLongerLength() {
    assertThat(score(c, "744", gold("714"))).isCloseTo(2.0 / 3, within(1e-12));
    assertThat(score(c, "77", gold("7"))).isEqualTo(0.5);
    assertThat(score(c, "7", gold("714"))).isCloseTo(1.0 / 3, within(1e-12));
    assertThat(score(c, "", gold("7"))).isEqualTo(0.0);
    assertThat(score(c, " 7", gold("7"), map("trim", false))).isEqualTo(0.0);
  }

  @Test
  void answerOnlyAfterTheLastThink() {
    assertThat(score(c, "<think>7</think>3", gold("7"))).isEqualTo(0.0);
    assertThat(score(c, "<think>7 and still thinking", gold("7"))).isEqualTo(0.0);
    assertThat(score(c, "<think>3</think>7", gold("7"))).isEqualTo(1.0);
  }

  @Test
  void hostileInputsAreCappedNotRead() {
    assertThat(score(c, "7".repeat(1_000_000), gold("7"))).isEqualTo(0.0);
    assertThat(score(c, "7".repeat(5_000), gold("7"))).isEqualTo(0.0);
  }

  @Test
  void missingGoldIsNotApplicable() {
    assertThat(run(c, "7", Map.of(), Map.of())).isInstanceOf(CheckResult.NotApplicable.class);
  }
}
