package dev.grpo.rewards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.grpo.contracts.CheckerSpec;
import dev.grpo.contracts.ExternalPart;
import dev.grpo.contracts.RewardSpec;
import dev.grpo.rewardapi.CheckerRegistry;
import dev.grpo.rewardapi.InvalidRewardSpecException;
import dev.grpo.rewardapi.RewardSpecValidator;
import dev.grpo.rewards.PartJoin.PartScores;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PartJoinTest {
  private final ExecutorService pool = Executors.newFixedThreadPool(2);
  private final CheckerRegistry registry = CheckerRegistry.of(new BuiltinCheckers().checkers());

  private static final RewardSpec SPEC =
      new RewardSpec(
          List.of(
              new CheckerSpec("judge", 0.5, Map.of(), ExternalPart.topic(1000, null)),
              new CheckerSpec("exact_match", 1.0, Map.of()),
              new CheckerSpec(
                  "rm",
                  2.0,
                  Map.of(),
                  ExternalPart.http("http://localhost:1/x", null, 1000, null))));

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  @Test
  void theScorerLeavesExternalPartsToTheJoinWhichAddsThemWeighted() {
    var builtIns =
        new GroupScorer(registry, pool, ScoringLimits.DEFAULTS)
            .scoreTexts("p", List.of("42", "41"), SPEC, Map.of("answer", "42"));
    assertThat(builtIns.get(0).components()).containsOnlyKeys("exact_match");
    assertThat(builtIns.get(0).total()).isEqualTo(1.0);

    var joined =
        PartJoin.join(
            SPEC,
            builtIns,
            Map.of(
                "judge",
                new PartScores(List.of(1.0, 0.0), List.of("good", "bad")),
                "rm",
                PartScores.zero(2, "timeout: no part within 1000 ms")));
    var first = joined.get(0);
    assertThat(first.total()).isCloseTo(1.0 + 0.5, within(1e-12));
    assertThat(first.components().keySet()).containsExactly("judge", "exact_match", "rm");
    assertThat(first.reasons())
        .containsEntry("judge", "good")
        .containsEntry("rm", "timeout: no part within 1000 ms");
    assertThat(joined.get(1).total()).isZero();
  }

  @Test
  void aPartThatDoesNotFitIsNamed() {
    assertThat(PartJoin.problem(new PartScores(List.of(1.0), List.of()), 2))
        .isEqualTo("scores must hold one score per completion (2), was 1");
    assertThat(PartJoin.problem(new PartScores(List.of(1.0, Double.NaN), List.of()), 2))
        .isEqualTo("scores[1] must be a finite number, was NaN");
    assertThat(PartJoin.problem(new PartScores(List.of(1.0, 2.0), List.of("a")), 2))
        .contains("reasons must be empty or hold one entry per completion (2), was 1");
    assertThat(PartJoin.problem(new PartScores(List.of(1.0, 2.0), List.of()), 2)).isNull();
    assertThatThrownBy(() -> PartJoin.join(SPEC, List.of(), Map.of()))
        .hasMessageContaining("no scores for part 'judge'");
  }

  @Test
  void theValidatorAcceptsExternalPartsButNotUnderABuiltInName() {
    var validator = new RewardSpecValidator(registry);
    validator.validate(SPEC);
    var clash =
        new RewardSpec(
            List.of(new CheckerSpec("exact_match", 1.0, Map.of(), ExternalPart.topic(1000, null))));
    assertThatThrownBy(() -> validator.validate(clash))
        .isInstanceOf(InvalidRewardSpecException.class)
        .hasMessageContaining("rewardSpec.checkers[0].name of an external part must not be")
        .extracting(e -> ((InvalidRewardSpecException) e).field())
        .isEqualTo("rewardSpec.checkers[0].name");
  }
}
