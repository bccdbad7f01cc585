package dev.grpo.bench.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.rewardapi.CheckInput;
import dev.grpo.rewardapi.CheckResult;
import dev.grpo.rewards.PositionMatchChecker;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The demo task's generator, split rule and training reward. */
class DigitTaskTest {

  @Test
  void promptAndAnswerFormat() {
    assertThat(new DigitTask(DigitTask.Operation.REVERSE, 3, 3).instance("417"))
        .extracting(DigitTask.Instance::prompt, DigitTask.Instance::answer)
        .containsExactly("rev 417=", "714");
    assertThat(new DigitTask(DigitTask.Operation.SORT, 1, 4).instance("4170").answer())
        .isEqualTo("0147");
    assertThat(new DigitTask(DigitTask.Operation.COPY, 1, 4).instance("0070").prompt())
        .isEqualTo("cpy 0070=");
    assertThat(new DigitTask(DigitTask.Operation.MAX, 1, 4).instance("4170").answer())
        .isEqualTo("7");
    assertThat(new DigitTask(DigitTask.Operation.MAX, 1, 4).maxNewTokens()).isEqualTo(2);
  }

  @Test
  void splitIsFixedAboutOneInFiveAndCoversEveryDigitAtEveryPosition() {
    List<DigitTask.Instance> all = new DigitTask(DigitTask.Operation.REVERSE, 3, 3).instances();
    assertThat(all).hasSize(1000);
    long heldOut = all.stream().filter(DigitTask.Instance::heldOut).count();
    // Binomial(1000, 0.2): mean 200, sd 12.6; the rule is a fixed hash, so this is a fixed number.
    assertThat(heldOut).isBetween(150L, 250L);
    for (int pos = 0; pos < 3; pos++) {
      for (char d = '0'; d <= '9'; d++) {
        final int p = pos;
        final char c = d;
        assertThat(all.stream().filter(i -> i.heldOut() && i.digits().charAt(p) == c)).isNotEmpty();
        assertThat(all.stream().filter(i -> !i.heldOut() && i.digits().charAt(p) == c))
            .isNotEmpty();
      }
    }
    assertThat(DigitTask.isHeldOut("417")).isEqualTo(DigitTask.isHeldOut("417"));
  }

  @Test
  void badConfigurationNamesTheField() {
    assertThatThrownBy(() -> new DigitTask(DigitTask.Operation.COPY, 0, 3))
        .hasMessage("minDigits must be between 1 and 6, was 0");
    assertThatThrownBy(() -> new DigitTask(DigitTask.Operation.COPY, 3, 2))
        .hasMessage("maxDigits must be between minDigits (3) and 6, was 2");
    assertThatThrownBy(() -> DigitTask.Operation.parse("add"))
        .hasMessage("operation must be copy, reverse, sort or max, was add");
  }

  @Test
  void positionMatchScoresMatchingPositionsOverTheLongerLength() {
    assertThat(score("714", "714")).isEqualTo(1.0);
    assertThat(score("710", "714")).isEqualTo(2.0 / 3);
    assertThat(score("71", "714")).isEqualTo(2.0 / 3);
    assertThat(score("7140", "714")).isEqualTo(3.0 / 4);
    assertThat(score("147", "714")).isEqualTo(0.0);
    assertThat(score("", "714")).isEqualTo(0.0);
    assertThat(score(" 714\n", "714")).isEqualTo(1.0);
    assertThat(score("<think>x</think>714", "714")).isEqualTo(1.0);
    assertThat(new PositionMatchChecker().check(new CheckInput("p", "714", Map.of(), Map.of())))
        .isInstanceOf(CheckResult.NotApplicable.class);
  }

  private static double score(String completion, String gold) {
    var r =
        new PositionMatchChecker()
            .check(new CheckInput("p", completion, Map.of("answer", gold), Map.of()));
    return ((CheckResult.Scored) r).score();
  }
}
