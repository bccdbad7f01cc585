package dev.grpo.rewards;

import com.google.re2j.Pattern;
import dev.grpo.rewardapi.CheckInput;
import dev.grpo.rewardapi.CheckResult;
import dev.grpo.rewardapi.ParamSpec;
import java.util.List;

/** {@code gsm8k}: the last {@code #### n} after the last {@code </think>}, compared exactly. */
public final class Gsm8kChecker extends BuiltinChecker<Rational> {
  /** {@code #### 1,234.5}, {@code #### $-7}; RE2, linear time. */
  static final Pattern FINAL = Pattern.compile("####\\s*\\$?\\s*([-+]?[\\d,]*\\.?\\d+)");

  @Override
  public String name() {
    return "gsm8k";
  }

  @Override
  public String description() {
    return "1 when the last '#### n' after the last </think> equals verification.answer (a number,"
        + " or GSM8K's solution text ending in '#### n') as an exact rational; else 0.";
  }

  @Override
  public List<ParamSpec> params() {
    return List.of();
  }

  /** The gold number: a plain number, or the last {@code #### n} of GSM8K's solution text. */
  @Override
  Reference<Rational> reference(CheckInput input) {
    return Reference.goldAnswer(input)
        .then(
            goldText -> {
              var goldFinal = lastFinal(goldText);
              Rational gold = safeParse(goldFinal != null ? goldFinal : goldText.strip());
              return gold == null
                  ? Reference.missing(
                      "verification.answer " + ModelText.quote(goldText) + " has no number")
                  : Reference.of(gold);
            });
  }

  @Override
  CheckResult score(CheckInput input, Rational gold) {
    var answerText = lastFinal(ModelText.answerRegion(input.completion()));
    if (answerText == null) {
      return CheckResult.scored(0, "no '#### n' after the last </think>");
    }
    Rational answer = safeParse(answerText);
    if (answer == null) {
      return CheckResult.scored(
          0, "'#### " + ModelText.quote(answerText) + "' is not a number within the caps");
    }
    boolean equal = answer.compareTo(gold) == 0;
    return CheckResult.scored(
        equal ? 1 : 0, "#### " + answer + (equal ? " equals" : " differs from") + " gold " + gold);
  }

  private static String lastFinal(String text) {
    var m = FINAL.matcher(text);
    String last = null;
    while (m.find()) {
      last = m.group(1);
    }
    return last;
  }

  private static Rational safeParse(String text) {
    try {
      return Rational.parseDecimal(text.replace(",", ""));
    } catch (NumberFormatException | ArithmeticException e) {
      return null;
    }
  }
}
