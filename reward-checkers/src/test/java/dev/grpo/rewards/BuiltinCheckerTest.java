package dev.grpo.rewards;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.rewardapi.CheckInput;
import dev.grpo.rewardapi.CheckResult;
import dev.grpo.rewardapi.Checker;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The opening steps every built-in shares: the input cap first, then the reference. */
class BuiltinCheckerTest {
  private static final List<Checker> ALL = new BuiltinCheckers().checkers();
  private static final String OVER_CAP = "x".repeat(ModelText.MAX_COMPLETION_CHARS + 1);

  private static CheckResult run(Checker checker, String completion, int tokens) {
    var params =
        switch (checker.name()) {
          case "overlong" -> Map.<String, Object>of("maxLength", 10, "cacheLength", 5);
          default -> Map.<String, Object>of();
        };
    checker.validate(params);
    return checker.check(new CheckInput("p", completion, tokens, Map.of(), params));
  }

  @Test
  void everyBuiltinIsOne() {
    assertThat(ALL).allSatisfy(c -> assertThat(c).isInstanceOf(BuiltinChecker.class));
  }

  @Test
  void theCapComesBeforeTheReferenceForEveryCheckerThatReadsText() {
    for (var checker : ALL) {
      if (!((BuiltinChecker<?>) checker).readsText()) {
        continue;
      }
      // No verification data at all: the cap still decides first.
      var result = run(checker, OVER_CAP, 10);
      assertThat(result).as(checker.name()).isInstanceOf(CheckResult.Scored.class);
      assertThat(((CheckResult.Scored) result).score()).as(checker.name()).isEqualTo(0.0);
      assertThat(result.reason())
          .as(checker.name())
          .isEqualTo(
              "completion has "
                  + OVER_CAP.length()
                  + " chars, over the cap of "
                  + ModelText.MAX_COMPLETION_CHARS
                  + "; not read");
    }
  }

  @Test
  void theLengthCheckersMeasureWhatTheCapWouldRefuseAndNeedAKnownLength() {
    for (var name : List.of("overlong", "length")) {
      var checker = ALL.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
      assertThat(((BuiltinChecker<?>) checker).readsText()).isFalse();
      assertThat(run(checker, OVER_CAP, 10_000)).isInstanceOf(CheckResult.Scored.class);
      assertThat(run(checker, "x", -1))
          .isEqualTo(
              CheckResult.notApplicable(
                  "token count unknown; set unit=chars to measure characters"));
    }
  }

  @Test
  void theGoldAnswerCheckersShareTheNoGoldRule() {
    for (var name : List.of("exact_match", "numeric", "math_equiv", "gsm8k")) {
      var checker = ALL.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
      assertThat(run(checker, "\\boxed{4}", 3))
          .as(name)
          .isEqualTo(CheckResult.notApplicable(Reference.NO_GOLD_ANSWER));
    }
    assertThat(Reference.NO_GOLD_ANSWER).isEqualTo("verification.answer is missing");
  }

  @Test
  void aMissingReferenceStaysMissingThroughLaterSteps() {
    Reference<String> missing = Reference.missing("why");
    assertThat(missing.then(s -> Reference.of(s.length()))).isEqualTo(Reference.missing("why"));
    assertThat(Reference.of("abc").then(s -> Reference.of(s.length()))).isEqualTo(Reference.of(3));
  }
}
