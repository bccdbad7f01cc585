package dev.grpo.rewards;

import dev.grpo.rewardapi.CheckInput;
import dev.grpo.rewardapi.CheckResult;
import dev.grpo.rewardapi.ParamSpec;
import java.util.List;

/**
 * {@code position_match}: the fraction of character positions at which the answer agrees with the
 * gold answer, {@code matches / max(len(answer), len(gold))}. Wrong, missing and extra characters
 * all cost credit, and only the exact answer scores 1; the partial credit gives a small policy a
 * gradient before it can produce whole answers (the demo task trains on it).
 */
public final class PositionMatchChecker extends BuiltinChecker<String> {

  static final ParamSpec TRIM =
      ParamSpec.bool(
          "trim",
          true,
          "strip leading and trailing whitespace of answer and gold before comparing");

  @Override
  public String name() {
    return "position_match";
  }

  @Override
  public String description() {
    return "Fraction of positions where the answer's character equals verification.answer's,"
        + " over the longer of the two lengths; 1 only for an exact match.";
  }

  @Override
  public List<ParamSpec> params() {
    return List.of(TRIM);
  }

  /** The gold text, stripped when {@code trim}; an empty one cannot be matched. */
  @Override
  Reference<String> reference(CheckInput input) {
    Object goldValue = input.verification().get("answer");
    String gold = goldValue == null ? "" : String.valueOf(goldValue);
    if (input.booleanParam(TRIM)) {
      gold = gold.strip();
    }
    return gold.isEmpty()
        ? Reference.missing("verification.answer is missing or empty")
        : Reference.of(gold);
  }

  @Override
  CheckResult score(CheckInput input, String gold) {
    String answer = ModelText.answerRegion(input.completion());
    if (input.booleanParam(TRIM)) {
      answer = answer.strip();
    }
    if (answer.length() > ModelText.MAX_ANSWER_CHARS) {
      return CheckResult.scored(
          0,
          "answer has "
              + answer.length()
              + " chars, over the cap of "
              + ModelText.MAX_ANSWER_CHARS);
    }
    // Code points, so a surrogate pair is one position.
    int[] a = answer.codePoints().toArray();
    int[] g = gold.codePoints().toArray();
    int matches = 0;
    for (int i = 0; i < Math.min(a.length, g.length); i++) {
      if (a[i] == g[i]) {
        matches++;
      }
    }
    double score = (double) matches / Math.max(a.length, g.length);
    return CheckResult.scored(
        score, matches + " of max(" + a.length + " answer, " + g.length + " gold) positions match");
  }
}
