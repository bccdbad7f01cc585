package dev.grpo.rewards;

import static dev.grpo.rewards.Checks.gold;
import static dev.grpo.rewards.Checks.reason;
import static dev.grpo.rewards.Checks.score;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.rewardapi.CheckInput;
import dev.grpo.rewardapi.CheckResult;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MathEquivCheckerTest {
  private final MathEquivChecker checker = new MathEquivChecker();

  @ParameterizedTest(name = "{0} == {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          \\boxed{\\frac{1}{2}}                 | 0.5
          \\boxed{\\dfrac12}                    | \\frac{1}{2}
          \\boxed{\\tfrac{3}{4}}                | \\frac34
          $\\boxed{50\\%}$                      | 50
          \\boxed{1,000}                        | 1000
          \\boxed{1{,}000{,}000}                | 1000000
          \\boxed{x = 5}                        | 5
          \\boxed{\\left( 1, 2 \\right)}        | (1,2)
          \\boxed{\\{3, 1, 2\\}}                | \\{1,2,3\\}
          \\boxed{[1, \\infty)}                 | [1,\\infty)
          \\boxed{(-\\infty, 0) \\cup (1, 2]}   | (1,2] \\cup (-\\infty,0)
          \\boxed{2\\sqrt{2}}                   | \\sqrt{8}
          \\boxed{\\frac{\\pi}{2}}              | \\pi/2
          \\boxed{(x+1)^2}                      | x^2+2x+1
          \\boxed{10 \\text{ cm}}               | 10
          \\boxed{90^\\circ}                    | 90
          The answer is <answer> 7 </answer>    | 7
          \\boxed{3, 5}                         | 5, 3
          \\boxed{-\\frac{2}{3}}                | \\frac{-2}{3}
          \\boxed{\\sqrt2/2}                    | \\frac{1}{\\sqrt{2}}
          \\boxed{2^{10}}                       | 1024
          \\boxed{1.5e3}                        | 1500
          \\boxed{\\$18.90}                     | 18.9
          so \\boxed{4} and again \\boxed{4.0}  | 4
          \\boxed{2\\pi r}                      | 2r\\pi
          \\boxed{\\sin x \\cdot 2}              | 2\\sin(x)
          """)
  void equal(String completion, String goldAnswer) {
    assertThat(score(checker, completion, gold(goldAnswer)))
        .as(reason(checker, completion, gold(goldAnswer)))
        .isEqualTo(1.0);
  }

  @ParameterizedTest(name = "{0} != {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          \\boxed{0.33}                         | \\frac13
          \\boxed{0.3333333333333333}           | \\frac13
          \\boxed{(1,2)}                        | [1,2]
          \\boxed{x^2+1}                        | (x+1)^2
          \\boxed{3}                            | 4
          \\boxed{1,2}                          | \\{1,2,3\\}
          \\boxed{(2,1)}                        | (1,2)
          \\boxed{\\pi}                         | 3.14159265358979
          \\boxed{\\infty}                      | -\\infty
          no box here, the answer is 5          | 5
          \\boxed{3} or maybe \\boxed{4}        | 4
          <think>\\boxed{5}</think> I give up   | 5
          <think> thinking \\boxed{5} never closed | 5
          """)
  void notEqual(String completion, String goldAnswer) {
    assertThat(score(checker, completion, gold(goldAnswer)))
        .as(reason(checker, completion, gold(goldAnswer)))
        .isEqualTo(0.0);
  }

  @Test
  void onlyTheAnswerAfterTheLastThinkCounts() {
    var text = "<think>maybe \\boxed{4}</think><think>no</think> so \\boxed{5}";
    assertThat(score(checker, text, gold("5"))).isEqualTo(1.0);
    assertThat(reason(checker, "\\boxed{3} \\boxed{4}", gold("4"))).contains("several distinct");
  }

  @Test
  void goldMayBeABoxedSolutionOrANumber() {
    assertThat(score(checker, "\\boxed{12}", gold("so the total is \\boxed{12}."))).isEqualTo(1.0);
    assertThat(score(checker, "\\boxed{0.1}", Map.of("answer", 0.1))).isEqualTo(1.0);
    assertThat(score(checker, "\\boxed{7}", Map.of("answer", 7))).isEqualTo(1.0);
  }

  @Test
  void missingGoldIsNotApplicable() {
    var result = checker.check(new CheckInput("p", "\\boxed{1}", Map.of(), Map.of()));
    assertThat(result).isInstanceOf(CheckResult.NotApplicable.class);
    assertThat(result.reason()).isEqualTo("verification.answer is missing");
  }

  @Test
  void reasonsSayHowItWasDecided() {
    assertThat(reason(checker, "\\boxed{0.5}", gold("\\frac12"))).contains("exact rationals");
    assertThat(reason(checker, "\\boxed{(x+1)^2}", gold("x^2+2x+1"))).contains("symbolically");
    assertThat(reason(checker, "\\boxed{\\{1,2\\}}", gold("\\{2,1\\}"))).contains("sets");
  }
}
