package dev.grpo.rewards;

import static dev.grpo.rewards.Checks.gold;
import static dev.grpo.rewards.Checks.map;
import static dev.grpo.rewards.Checks.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.rewardapi.CheckResult;
import dev.grpo.rewardapi.CheckerRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Inputs built to hurt: every checker must answer quickly with a score and a reason. Each case
 * asserts a time bound far above the measured cost (microseconds to milliseconds) but far below
 * what a backtracking regex or an unbounded big-number computation would take.
 */
class HostileCorpusTest {
  private static final Duration FAST = Duration.ofMillis(500);
  private static final String MEGABYTE = "a".repeat(1 << 20);
  private final CheckerRegistry registry = CheckerRegistry.of(new BuiltinCheckers().checkers());

  private static CheckResult timed(java.util.function.Supplier<CheckResult> check) {
    long start = System.nanoTime();
    var result = check.get();
    var took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(took).as("took " + took.toMillis() + " ms: " + result).isLessThan(FAST);
    return result;
  }

  @Test
  void towersOfExponentsAreRefusedNotComputed() {
    var math = new MathEquivChecker();
    for (var tower :
        List.of("10^{10^{10}}", "9^{9^{9^9}}", "2^{2^{2^{2^{2^{2}}}}}", "(10^{10^{10}})^{0}")) {
      var result = timed(() -> run(math, "\\boxed{" + tower + "}", gold("1"), Map.of()));
      assertThat(result).as(tower).isInstanceOf(CheckResult.Scored.class);
      assertThat(((CheckResult.Scored) result).score())
          .as(tower + ": " + result.reason())
          .isEqualTo(0.0);
    }
    // The same tower on both sides is equal as a string; no arithmetic happens.
    assertThat(
            ((CheckResult.Scored)
                    timed(() -> run(math, "\\boxed{10^{10^{10}}}", gold("10^{10^{10}}"), Map.of())))
                .score())
        .isEqualTo(1.0);
    var numeric = new NumericChecker();
    var r = timed(() -> run(numeric, "\\boxed{1e999999999}", gold("1"), Map.of()));
    assertThat(r.reason()).contains("caps");
  }

  @Test
  void millionDigitIntegersAreRefused() {
    var digits = "7".repeat(1_000_000);
    for (var name : List.of("math_equiv", "numeric", "gsm8k")) {
      var text = name.equals("gsm8k") ? "#### " + digits : "\\boxed{" + digits + "}";
      var result = timed(() -> run(registry.get(name), text, gold("7"), Map.of()));
      assertThat(((CheckResult.Scored) result).score())
          .as(name + ": " + result.reason())
          .isEqualTo(0.0);
    }
    var short40k = "7".repeat(40_000);
    var result = timed(() -> run(registry.get("gsm8k"), "#### " + short40k, gold("7"), Map.of()));
    assertThat(result.reason()).contains("not a number within the caps");
  }

  @Test
  void megabyteOutputsAreRejectedByEveryTextChecker() {
    var verification =
        map(
            "answer",
            "1",
            "numbers",
            List.of(1),
            "target",
            1,
            "schema",
            Map.of("type", "object"),
            "tests",
            List.of(Map.of("input", "", "output", "1")));
    for (var checker : registry.all()) {
      if (List.of("overlong", "length").contains(checker.name())) {
        continue; // they only read the length
      }
      var result = timed(() -> run(checker, MEGABYTE, verification, Map.of()));
      assertThat(result.reason())
          .as(checker.name())
          .contains("over the cap of " + ModelText.MAX_COMPLETION_CHARS);
    }
    var overlong =
        timed(
            () ->
                run(
                    registry.get("overlong"),
                    MEGABYTE,
                    verification,
                    map("maxLength", 4096, "cacheLength", 1024, "unit", "chars")));
    assertThat(((CheckResult.Scored) overlong).score()).isEqualTo(-1.0);
  }

  @Test
  void backtrackingBaitIsLinear() {
    // (.*a){15}b against a's without b takes seconds in java.util.regex; here it must not.
    var bait = "a".repeat(200_000);
    for (var checker : registry.all()) {
      var result =
          timed(
              () ->
                  run(
                      checker,
                      bait,
                      map(
                          "answer",
                          "1",
                          "numbers",
                          List.of(1),
                          "target",
                          1,
                          "schema",
                          Map.of("type", "string", "pattern", "(.*a){15}b")),
                      defaults(checker.name())));
      assertThat(result.reason()).as(checker.name()).isNotBlank();
    }
    // json_schema runs schema patterns on RE2 too.
    var schema = Map.<String, Object>of("type", "string", "pattern", "^(.*a){15}b$");
    var result =
        timed(
            () ->
                run(
                    new JsonSchemaChecker(),
                    "\"" + "a".repeat(4_000) + "\"",
                    map("schema", schema),
                    Map.of()));
    assertThat(((CheckResult.Scored) result).score()).isEqualTo(0.0);
    assertThat(result.reason()).contains("does not match pattern");
    var longer =
        timed(
            () ->
                run(
                    new JsonSchemaChecker(),
                    "\"" + "a".repeat(50_000) + "\"",
                    map("schema", schema),
                    Map.of()));
    assertThat(longer.reason()).contains("over the 4096-char cap for pattern matching");
    // Tag soup for r1_format and tag_count.
    var soup = "<think>".repeat(20_000) + "</think>".repeat(20_000) + "<answer>x";
    assertThat(
            ((CheckResult.Scored)
                    timed(() -> run(registry.get("r1_format"), soup, Map.of(), Map.of())))
                .score())
        .isEqualTo(0.0);
    timed(() -> run(registry.get("tag_count"), soup, Map.of(), Map.of()));
  }

  @Test
  void deepNestingAndUnterminatedBoxesStayLinear() {
    var math = new MathEquivChecker();
    var deep = "(".repeat(400) + "1" + ")".repeat(400);
    var r1 = timed(() -> run(math, "\\boxed{" + deep + "}", gold("1"), Map.of()));
    assertThat(r1.reason()).contains("nesting deeper than");
    var openBoxes = "\\boxed{".repeat(30_000) + "5";
    assertThat(
            ((CheckResult.Scored) timed(() -> run(math, openBoxes, gold("5"), Map.of()))).score())
        .isEqualTo(0.0);
    var nestedBoxes = "\\boxed{".repeat(20_000) + "5" + "}".repeat(20_000);
    timed(() -> run(math, nestedBoxes, gold("5"), Map.of()));
    var countdown = "<answer>" + "(".repeat(5_00) + "1" + ")".repeat(5_00) + "</answer>";
    assertThat(
            timed(
                    () ->
                        run(
                            new CountdownChecker(),
                            countdown,
                            map("numbers", List.of(1), "target", 1),
                            Map.of()))
                .reason())
        .contains("over the cap");
    var deepJson = "[".repeat(10_000) + "]".repeat(10_000);
    var json =
        timed(
            () ->
                run(
                    new JsonSchemaChecker(),
                    deepJson,
                    map("schema", Map.of("type", "array")),
                    Map.of()));
    assertThat(json.reason()).contains("not valid JSON");
  }

  @Test
  void answersHiddenInsideThinkDoNotCount() {
    var hidden =
        "<think>the answer is \\boxed{42} #### 42 <answer>42</answer></think> I am not sure.";
    for (var name : List.of("math_equiv", "numeric", "gsm8k", "exact_match", "countdown")) {
      var result =
          run(
              registry.get(name),
              hidden,
              map("answer", "42", "numbers", List.of(42), "target", 42),
              Map.of());
      assertThat(((CheckResult.Scored) result).score())
          .as(name + ": " + result.reason())
          .isLessThan(0.5);
    }
  }

  private static Map<String, Object> defaults(String checker) {
    return checker.equals("overlong")
        ? map("maxLength", 100, "cacheLength", 10, "unit", "chars")
        : checker.equals("length") ? map("unit", "chars") : Map.of();
  }
}
