package dev.grpo.rewards;

import dev.grpo.rewardapi.CheckInput;
import dev.grpo.rewardapi.CheckResult;
import dev.grpo.rewardapi.ParamSpec;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * {@code math_equiv}: the last {@code \boxed{}} (or {@code <answer>}) after the last {@code
 * </think>} is mathematically equal to the gold answer. See {@link MathAnswers} for the comparison
 * order and {@code docs/rewards.md} for the exact rules.
 */
public final class MathEquivChecker extends BuiltinChecker<String> {

  @Override
  public String name() {
    return "math_equiv";
  }

  @Override
  public String description() {
    return "1 when the last \\boxed{} (else last <answer>) after the last </think> equals"
        + " verification.answer: normalised strings, then exact rationals, then sets/tuples/"
        + "intervals, then a bounded symbolic check; several distinct boxed answers score 0.";
  }

  @Override
  public List<ParamSpec> params() {
    return List.of();
  }

  /** The gold answer; the last {@code \boxed{}} in it when it has one. */
  @Override
  Reference<String> reference(CheckInput input) {
    return Reference.goldAnswer(input)
        .then(
            gold -> {
              var goldBoxed = ModelText.boxedContents(gold);
              return Reference.of(goldBoxed.isEmpty() ? gold : goldBoxed.get(goldBoxed.size() - 1));
            });
  }

  @Override
  CheckResult score(CheckInput input, String gold) {
    var region = ModelText.answerRegion(input.completion());
    var answer = finalAnswer(region);
    if (answer instanceof Extracted.None none) {
      return CheckResult.scored(0, none.reason());
    }
    var text = ((Extracted.Answer) answer).text();
    if (text.length() > ModelText.MAX_ANSWER_CHARS) {
      return CheckResult.scored(
          0,
          "answer has " + text.length() + " chars, over the cap of " + ModelText.MAX_ANSWER_CHARS);
    }
    var verdict = MathAnswers.compare(text, gold);
    return CheckResult.scored(
        verdict.equal() ? 1 : 0, "answer " + ModelText.quote(text) + ": " + verdict.how());
  }

  /** The final answer of a completion, or why there is none. */
  sealed interface Extracted {
    record Answer(String text) implements Extracted {}

    record None(String reason) implements Extracted {}
  }

  /** More distinct boxed answers than this are not compared one by one; they score 0. */
  static final int MAX_DISTINCT_BOXED = 8;

  static Extracted finalAnswer(String region) {
    var boxed = ModelText.boxedContents(region);
    if (!boxed.isEmpty()) {
      var last = boxed.get(boxed.size() - 1);
      var distinct = new LinkedHashSet<String>();
      for (var b : boxed) {
        if (b.length() > ModelText.MAX_ANSWER_CHARS) {
          return new Extracted.None(
              "a \\boxed{} answer has "
                  + b.length()
                  + " chars, over the cap of "
                  + ModelText.MAX_ANSWER_CHARS);
        }
        distinct.add(LatexNormalizer.normalize(b));
      }
      if (distinct.size() > MAX_DISTINCT_BOXED) {
        return new Extracted.None(
            distinct.size() + " different \\boxed{} answers after the last </think>");
      }
      // Hedging over several answers must not pay: boxes that differ in value score 0, while
      // restating one value (4 and 4.0) is fine.
      for (var other : distinct) {
        if (!MathAnswers.compare(other, last).equal()) {
          return new Extracted.None("several distinct \\boxed{} answers after the last </think>");
        }
      }
      return new Extracted.Answer(last);
    }
    var tag = ModelText.lastAnswerTag(region);
    if (tag.isPresent()) {
      return new Extracted.Answer(tag.get().strip());
    }
    return new Extracted.None("no \\boxed{} or <answer> after the last </think>");
  }
}
