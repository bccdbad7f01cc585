package dev.grpo.rewardapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CheckerRegistryTest {

  @Test
  void findsServiceLoaderCheckersAndMergesExtraOnes() {
    var registry =
        CheckerRegistry.create(
            getClass().getClassLoader(), List.of(FixedScoreChecker.named("extra")));
    assertThat(registry.names()).contains("fixed", "extra");
    assertThat(registry.get("fixed")).isInstanceOf(FixedScoreChecker.class);
  }

  @Test
  void refusesTwoCheckersWithOneName() {
    assertThatThrownBy(
            () ->
                CheckerRegistry.create(
                    getClass().getClassLoader(), List.of(new FixedScoreChecker.Impostor())))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("two checkers are named 'fixed'")
        .hasMessageContaining("FixedScoreChecker$Impostor");
  }

  @Test
  void refusesBadNames() {
    assertThatThrownBy(() -> CheckerRegistry.of(List.of(FixedScoreChecker.named("Bad Name"))))
        .hasMessageContaining("lower snake case")
        .hasMessageContaining("'Bad Name'");
  }

  @Test
  void unknownNameListsTheKnownOnes() {
    var registry = CheckerRegistry.of(List.of(new FixedScoreChecker()));
    assertThat(registry.find("nope")).isEmpty();
    assertThatThrownBy(() -> registry.get("nope"))
        .hasMessage("unknown checker 'nope'; known: [fixed]");
  }
}
