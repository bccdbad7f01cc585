package dev.grpo.rewardapi;

import static dev.grpo.rewardapi.FixedScoreChecker.params;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.contracts.CheckerSpec;
import dev.grpo.contracts.RewardSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RewardSpecValidatorTest {
  private final RewardSpecValidator validator =
      new RewardSpecValidator(
          CheckerRegistry.of(List.of(new FixedScoreChecker(), FixedScoreChecker.named("other"))));

  private static RewardSpec spec(CheckerSpec... checkers) {
    return new RewardSpec(List.of(checkers));
  }

  @Test
  void acceptsAValidSpec() {
    assertThatCode(
            () ->
                validator.validate(
                    spec(
                        new CheckerSpec("fixed", 1.0, params("value", 0.5)),
                        new CheckerSpec("other", -0.5, Map.of()))))
        .doesNotThrowAnyException();
  }

  @Test
  void namesTheUnknownChecker() {
    assertThatThrownBy(
            () ->
                validator.validate(
                    spec(new CheckerSpec("fixed", 1, null), new CheckerSpec("nope", 1, null))))
        .isInstanceOf(InvalidRewardSpecException.class)
        .hasMessage(
            "rewardSpec.checkers[1].name must be a known checker (one of [fixed, other]), was"
                + " \"nope\"")
        .extracting(e -> ((InvalidRewardSpecException) e).field())
        .isEqualTo("rewardSpec.checkers[1].name");
  }

  @Test
  void namesTheBadParameterWithValueAndRule() {
    assertThatThrownBy(
            () ->
                validator.validate(
                    spec(
                        new CheckerSpec("other", 1, null),
                        new CheckerSpec("fixed", 1, params("value", -1)))))
        .hasMessage("rewardSpec.checkers[1].params.value must be >= 0, was -1")
        .extracting(e -> ((InvalidRewardSpecException) e).field())
        .isEqualTo("rewardSpec.checkers[1].params.value");
    assertThatThrownBy(
            () -> validator.validate(spec(new CheckerSpec("fixed", 1, params("mode", "odd")))))
        .hasMessage(
            "rewardSpec.checkers[0].params.mode must be one of [plain, fancy], was \"odd\"");
    assertThatThrownBy(
            () -> validator.validate(spec(new CheckerSpec("fixed", 1, params("value", "high")))))
        .hasMessage("rewardSpec.checkers[0].params.value must be a finite number, was \"high\"");
    assertThatThrownBy(
            () -> validator.validate(spec(new CheckerSpec("fixed", 1, params("valeu", 1)))))
        .hasMessageStartingWith(
            "rewardSpec.checkers[0].params.valeu must be a known parameter of fixed");
  }

  @Test
  void rejectsWeightsThatDoNotSumAboveZero() {
    assertThatThrownBy(
            () ->
                validator.validate(
                    spec(new CheckerSpec("fixed", 1, null), new CheckerSpec("other", -1, null))))
        .hasMessage("rewardSpec.checkers weights must sum to more than 0, was 0.0");
  }

  @Test
  void usesTheGivenPathPrefix() {
    assertThatThrownBy(
            () -> validator.validate(spec(new CheckerSpec("x", 1, null)), "task.rewardSpec"))
        .hasMessageStartingWith("task.rewardSpec.checkers[0].name must be a known checker");
    assertThatThrownBy(() -> validator.validate(null))
        .hasMessage("rewardSpec must be given, was missing");
  }
}
