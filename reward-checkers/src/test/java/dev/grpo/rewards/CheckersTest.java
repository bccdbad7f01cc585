package dev.grpo.rewards;

import static dev.grpo.rewards.Checks.gold;
import static dev.grpo.rewards.Checks.map;
import static dev.grpo.rewards.Checks.reason;
import static dev.grpo.rewards.Checks.run;
import static dev.grpo.rewards.Checks.score;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.grpo.rewardapi.CheckInput;
import dev.grpo.rewardapi.CheckResult;
import dev.grpo.rewardapi.InvalidCheckerParamsException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Positive, negative and adversarial cases per checker (math_equiv and code_tests have their own
 * classes).
 */
class CheckersTest {

  @Nested
  class ExactMatch {
    final ExactMatchChecker c = new ExactMatchChecker();

    @Test
    void normalisesCaseAndWhitespaceByDefault() {
      assertThat(score(c, "<answer>  Paris\n </answer>", gold("paris"))).isEqualTo(1.0);
      assertThat(score(c, "<answer>Paris</answer>", gold("paris"), map("caseSensitive", true)))
          .isEqualTo(0.0);
      assertThat(score(c, "New   York", gold("new york"))).isEqualTo(1.0);
      assertThat(score(c, "\\boxed{B}", gold(List.of("A", "b")))).isEqualTo(1.0);
      assertThat(score(c, "<answer>Paris.</answer>", gold("Paris"))).isEqualTo(0.0);
      assertThat(score(c, "<answer>Paris.</answer>", gold("Paris"), map("stripPunctuation", true)))
          .isEqualTo(1.0);
    }

    @Test
    void extractionModes() {
      assertThat(score(c, "<answer>x</answer>", gold("x"), map("extract", "boxed"))).isEqualTo(0.0);
      assertThat(score(c, "Paris", gold("Paris"), map("extract", "answer_tag"))).isEqualTo(0.0);
      assertThat(score(c, "<think>Paris</think>", gold("Paris"))).isEqualTo(0.0);
      assertThatThrownBy(() -> run(c, "x", gold("x"), map("extract", "everything")))
          .isInstanceOf(InvalidCheckerParamsException.class)
          .hasMessage(
              "params.extract must be one of [auto, boxed, answer_tag, region], was"
                  + " \"everything\"");
    }
  }

  @Nested
  class Numeric {
    final NumericChecker c = new NumericChecker();

    @Test
    void exactByDefault() {
      assertThat(score(c, "so \\boxed{0.1}", gold("1/10"))).isEqualTo(1.0);
      assertThat(score(c, "it is 1,234 apples", gold(1234))).isEqualTo(1.0);
      assertThat(score(c, "\\boxed{0.30000000000000004}", gold("0.3"))).isEqualTo(0.0);
      assertThat(score(c, "\\boxed{\\frac{2}{6}}", gold("0.3333333333"))).isEqualTo(0.0);
      assertThat(score(c, "<answer>-2.5e1</answer>", gold("-25"))).isEqualTo(1.0);
      assertThat(score(c, "no numbers at all", gold("1"))).isEqualTo(0.0);
      assertThat(score(c, "\\boxed{x+1}", gold("1"))).isEqualTo(0.0);
    }

    @Test
    void toleranceOnlyWhenAsked() {
      assertThat(score(c, "\\boxed{3.14}", gold("3.14159"), map("tolerance", 0.01))).isEqualTo(1.0);
      assertThat(score(c, "\\boxed{3.2}", gold("3.14159"), map("tolerance", 0.01))).isEqualTo(0.0);
      assertThat(score(c, "\\boxed{101}", gold("100"), map("tolerance", 0.01, "relative", true)))
          .isEqualTo(1.0);
      assertThat(score(c, "\\boxed{102}", gold("100"), map("tolerance", 0.01, "relative", true)))
          .isEqualTo(0.0);
      assertThatThrownBy(() -> run(c, "1", gold("1"), map("tolerance", -1)))
          .hasMessage("params.tolerance must be >= 0, was -1");
    }

    @Test
    void goldThatIsNotANumberIsNotApplicable() {
      assertThat(run(c, "1", gold("Paris"), Map.of()))
          .isInstanceOf(CheckResult.NotApplicable.class);
    }
  }

  @Nested
  class Gsm8k {
    final Gsm8kChecker c = new Gsm8kChecker();

    @Test
    void lastHashesAnswer() {
      assertThat(score(c, "so 3+4=7\n#### 7", gold("Janet has ... = 7\n#### 7"))).isEqualTo(1.0);
      assertThat(score(c, "#### 1,200", gold(1200))).isEqualTo(1.0);
      assertThat(score(c, "#### 5 then #### 6", gold("5"))).isEqualTo(0.0);
      assertThat(score(c, "#### $18.00", gold("18"))).isEqualTo(1.0);
      assertThat(score(c, "the answer is 7", gold("7"))).isEqualTo(0.0);
      assertThat(reason(c, "<think>#### 7</think>", gold("7")))
          .isEqualTo("no '#### n' after the last </think>");
    }
  }

  @Nested
  class R1Format {
    final R1FormatChecker c = new R1FormatChecker();

    @Test
    void exactlyOneOfEachNonEmpty() {
      assertThat(score(c, "<think>hmm</think>\n<answer>4</answer>", Map.of())).isEqualTo(1.0);
      assertThat(score(c, "  <think>\nhmm\n</think>\n<answer>\n4\n</answer>\n", Map.of()))
          .isEqualTo(1.0);
      assertThat(score(c, "<think> </think><answer>4</answer>", Map.of())).isEqualTo(0.0);
      assertThat(score(c, "<think>a</think><answer></answer>", Map.of())).isEqualTo(0.0);
      assertThat(reason(c, "<think>a</think><think>b</think><answer>4</answer>", Map.of()))
          .isEqualTo("<think> appears 2 times, expected once");
      assertThat(score(c, "<answer>4</answer><think>a</think>", Map.of())).isEqualTo(0.0);
      assertThat(score(c, "<think>a</think><answer>4</answer> trailing", Map.of())).isEqualTo(0.0);
      assertThat(score(c, "hmm</think><answer>4</answer>", Map.of(), map("thinkPrefilled", true)))
          .isEqualTo(1.0);
    }
  }

  @Nested
  class TagCount {
    final TagCountChecker c = new TagCountChecker();

    @Test
    void quarterPerTag() {
      assertThat(score(c, "<think>\nx\n</think>\n<answer>\ny\n</answer>", Map.of())).isEqualTo(1.0);
      assertThat(score(c, "<think>\nx\n</think>\n", Map.of())).isEqualTo(0.5);
      assertThat(score(c, "<think>x</think><answer>y</answer>", Map.of())).isEqualTo(0.0);
      assertThat(score(c, "<think>\n<think>\nx\n</think>\n<answer>\ny\n</answer>", Map.of()))
          .isEqualTo(0.75);
    }
  }

  @Nested
  class Countdown {
    final CountdownChecker c = new CountdownChecker();
    final Map<String, Object> puzzle = map("numbers", List.of(3, 5, 7, 2), "target", 22);

    @Test
    void scoresOneForCorrectPointOneForWellFormedZeroOtherwise() {
      assertThat(score(c, "<think>t</think><answer>(3 + 5) * 2 + 7 - 1 + 1</answer>", puzzle))
          .isEqualTo(0.1);
      assertThat(score(c, "<think>t</think><answer>(7 - 3) * 5 + 2</answer>", puzzle))
          .isEqualTo(1.0);
      assertThat(score(c, "<answer>(7-3)*5+2 = 22</answer>", puzzle)).isEqualTo(1.0);
      assertThat(score(c, "<answer>7*3+5-2</answer>", puzzle)).isEqualTo(0.1); // 24
      assertThat(reason(c, "<answer>(7 - 3) * 5 + 2 + 0</answer>", puzzle))
          .contains("must use each of");
      assertThat(score(c, "<answer>22</answer>", puzzle)).isEqualTo(0.1);
      assertThat(
              score(
                  c,
                  "<answer>7 / (5 - 5) + 3 + 2</answer>",
                  map("numbers", List.of(7, 5, 5, 3, 2), "target", 1)))
          .isEqualTo(0.1);
      assertThat(score(c, "<answer>__import__('os').system('x')</answer>", puzzle)).isEqualTo(0.0);
      assertThat(score(c, "<answer>(7 - 3 * 5 + 2</answer>", puzzle)).isEqualTo(0.0);
      assertThat(score(c, "<answer>-3 + 5*7 - 2*5</answer>", puzzle)).isEqualTo(0.0);
      assertThat(score(c, "(7 - 3) * 5 + 2", puzzle)).isEqualTo(0.0);
      assertThat(score(c, "<answer>(7 - 3) * 5 + 2</answer>", puzzle, map("formatScore", 0.0)))
          .isEqualTo(1.0);
    }

    @Test
    void exactArithmeticNotFloatingPoint() {
      // 1/3 * 3 is exactly 1 in rationals (0.9999999999999999 in some float orders).
      assertThat(
              score(
                  c, "<answer>(1 / 3) * 3</answer>", map("numbers", List.of(1, 3, 3), "target", 1)))
          .isEqualTo(1.0);
      assertThat(
              score(c, "<answer>7 / 2 * 2</answer>", map("numbers", List.of(7, 2, 2), "target", 7)))
          .isEqualTo(1.0);
    }
  }

  @Nested
  class Overlong {
    final OverlongChecker c = new OverlongChecker();
    final Map<String, Object> params = map("maxLength", 100, "cacheLength", 20);

    private double at(int tokens) {
      var result = c.check(new CheckInput("p", "x", tokens, Map.of(), params));
      return ((CheckResult.Scored) result).score();
    }

    @Test
    void dapoSoftPenalty() {
      c.validate(params);
      assertThat(at(10)).isEqualTo(0.0);
      assertThat(at(80)).isEqualTo(0.0);
      assertThat(at(90)).isCloseTo(-0.5, within(1e-12));
      assertThat(at(100)).isCloseTo(-1.0, within(1e-12));
      assertThat(at(101)).isEqualTo(-1.0);
      assertThat(c.check(new CheckInput("p", "x", Map.of(), params)))
          .isInstanceOf(CheckResult.NotApplicable.class);
      assertThat(
              score(
                  c,
                  "x".repeat(90),
                  Map.of(),
                  map("maxLength", 100, "cacheLength", 20, "unit", "chars")))
          .isCloseTo(-0.5, within(1e-12));
    }

    @Test
    void validatesParams() {
      assertThatThrownBy(() -> c.validate(map("maxLength", 100, "cacheLength", 100)))
          .hasMessage("params.cacheLength must be < maxLength (100), was 100");
      assertThatThrownBy(() -> c.validate(map("cacheLength", 10)))
          .hasMessage("params.maxLength must be given (it is required), was missing");
    }
  }

  @Nested
  class Repetition {
    final RepetitionChecker c = new RepetitionChecker();

    @Test
    void ngramPenalty() {
      assertThat(score(c, "the quick brown fox jumps over the lazy dog", Map.of())).isEqualTo(0.0);
      // 10 words "a a a ...": 8 trigrams, 1 distinct: (1 - 1/8) * -1
      assertThat(score(c, "a a a a a a a a a a", Map.of())).isCloseTo(-0.875, within(1e-12));
      assertThat(score(c, "A a\na\ta", Map.of(), map("ngramSize", 2, "maxPenalty", -0.5)))
          .isCloseTo(-0.5 * (1 - 1.0 / 3), within(1e-12));
      assertThat(score(c, "too short", Map.of())).isEqualTo(0.0);
      assertThatThrownBy(() -> c.validate(map("maxPenalty", 0.5)))
          .hasMessage("params.maxPenalty must be <= 0, was 0.5");
    }
  }

  @Nested
  class Length {
    final LengthChecker c = new LengthChecker();

    private double at(String completion, int tokens) {
      var result =
          c.check(new CheckInput("p", completion, tokens, gold("4"), map("maxLength", 100)));
      return ((CheckResult.Scored) result).score();
    }

    @Test
    void cosineScaled() {
      // Independent reference: open-r1's formula min + 0.5 (max - min)(1 + cos(pi * len / maxLen)).
      assertThat(at("\\boxed{4}", 0)).isCloseTo(1.0, within(1e-12));
      assertThat(at("\\boxed{4}", 50)).isCloseTo(0.75, within(1e-12));
      assertThat(at("\\boxed{4}", 100)).isCloseTo(0.5, within(1e-12));
      assertThat(at("\\boxed{4}", 500)).isCloseTo(0.5, within(1e-12));
      assertThat(at("\\boxed{5}", 0)).isCloseTo(-1.0, within(1e-12));
      assertThat(at("\\boxed{5}", 25))
          .isCloseTo(-0.5 + 0.5 * -0.5 * (1 + Math.cos(Math.PI / 4)), within(1e-12));
      assertThat(at("\\boxed{5}", 100)).isCloseTo(-0.5, within(1e-12));
      assertThat(c.check(new CheckInput("p", "\\boxed{4}", 3, Map.of(), Map.of())))
          .isInstanceOf(CheckResult.NotApplicable.class);
    }
  }

  @Nested
  class JsonSchema {
    final JsonSchemaChecker c = new JsonSchemaChecker();
    final Map<String, Object> schema =
        map(
            "schema",
            map(
                "type",
                "object",
                "required",
                List.of("name", "age"),
                "additionalProperties",
                false,
                "properties",
                map(
                    "name", map("type", "string", "minLength", 1),
                    "age", map("type", "integer", "minimum", 0),
                    "tags",
                        map(
                            "type",
                            "array",
                            "items",
                            map("enum", List.of("a", "b")),
                            "uniqueItems",
                            true))));

    @Test
    void validAndInvalid() {
      assertThat(score(c, "{\"name\": \"Ada\", \"age\": 36}", schema)).isEqualTo(1.0);
      assertThat(
              score(
                  c,
                  "<think>{}</think>```json\n"
                      + "{\"name\": \"Ada\", \"age\": 36.0, \"tags\": [\"a\"]}\n"
                      + "```",
                  schema))
          .isEqualTo(1.0);
      assertThat(reason(c, "{\"name\": \"Ada\"}", schema))
          .isEqualTo("$: missing required property 'age'");
      assertThat(reason(c, "{\"name\": \"Ada\", \"age\": \"36\"}", schema))
          .isEqualTo("$.age: expected \"integer\", was string");
      assertThat(reason(c, "{\"name\": \"Ada\", \"age\": 1, \"x\": 1}", schema))
          .isEqualTo("$: property 'x' is not allowed");
      assertThat(reason(c, "{\"name\": \"Ada\", \"age\": 1, \"tags\": [\"a\", \"c\"]}", schema))
          .isEqualTo("$.tags[1]: must be one of [\"a\",\"b\"]");
      assertThat(reason(c, "{\"name\": \"Ada\", \"age\": 1, \"tags\": [\"a\", \"a\"]}", schema))
          .isEqualTo("$.tags: items are not unique");
      assertThat(reason(c, "{\"name\": \"Ada\", \"age\": 1} trailing", schema))
          .startsWith("not valid JSON");
      assertThat(score(c, "{\"name\": \"Ada\", \"age\": -1}", schema)).isEqualTo(0.0);
    }

    @Test
    void combinatorsAndUnsupportedKeywords() {
      var anyOf =
          map(
              "schema",
              map(
                  "anyOf",
                  List.of(map("type", "string"), map("type", "number", "exclusiveMaximum", 10))));
      assertThat(score(c, "9.5", anyOf)).isEqualTo(1.0);
      assertThat(score(c, "10", anyOf)).isEqualTo(0.0);
      var ref = map("schema", map("$ref", "#/defs/x"));
      assertThat(run(c, "1", ref, Map.of())).isInstanceOf(CheckResult.NotApplicable.class);
      assertThat(run(c, "1", ref, Map.of()).reason())
          .isEqualTo("schema uses #/$ref, outside the supported subset");
      assertThat(score(c, "1", Map.of(), map("schema", map("type", "integer")))).isEqualTo(1.0);
    }
  }
}
