package dev.grpo.rewards;

import com.google.re2j.Pattern;
import dev.grpo.rewardapi.CheckInput;
import dev.grpo.rewardapi.CheckResult;
import dev.grpo.rewardapi.ParamSpec;
import java.util.List;

/**
 * {@code numeric}: the final answer is a number equal to the gold number, compared as exact
 * rationals; a tolerance applies only when the spec sets one.
 */
public final class NumericChecker extends BuiltinChecker<Rational> {
  static final ParamSpec TOLERANCE =
      ParamSpec.number("tolerance", 0.0, "allowed |answer - gold|; 0 means exact").atLeast(0);
  static final ParamSpec RELATIVE =
      ParamSpec.bool("relative", false, "tolerance is relative to |gold| instead of absolute");

  /** A plain number in text; linear-time (RE2). */
  static final Pattern NUMBER = Pattern.compile("[-+]?(?:\\d[\\d,]*)?\\.?\\d+(?:[eE][-+]?\\d+)?");

  @Override
  public String name() {
    return "numeric";
  }

  @Override
  public String description() {
    return "1 when the final answer (last \\boxed{}, else last <answer>, else last number after the"
        + " last </think>) equals verification.answer as an exact rational, or within the given"
        + " tolerance; else 0.";
  }

  @Override
  public List<ParamSpec> params() {
    return List.of(TOLERANCE, RELATIVE);
  }

  /** The gold number. */
  @Override
  Reference<Rational> reference(CheckInput input) {
    return Reference.goldAnswer(input)
        .then(
            goldText -> {
              Rational gold;
              try {
                gold = parse(goldText);
              } catch (BigNumberCapException e) {
                gold = null;
              }
              return gold == null
                  ? Reference.missing(
                      "verification.answer " + ModelText.quote(goldText) + " is not a number")
                  : Reference.of(gold);
            });
  }

  @Override
  CheckResult score(CheckInput input, Rational gold) {
    var region = ModelText.answerRegion(input.completion());
    String answerText = finalAnswer(region);
    if (answerText == null) {
      return CheckResult.scored(0, "no number after the last </think>");
    }
    if (answerText.length() > ModelText.MAX_ANSWER_CHARS) {
      return CheckResult.scored(0, "answer has " + answerText.length() + " chars, over the cap");
    }
    Rational answer;
    try {
      answer = parse(answerText);
    } catch (BigNumberCapException e) {
      return CheckResult.scored(0, "answer is over the number size caps (" + e.getMessage() + ")");
    }
    if (answer == null) {
      return CheckResult.scored(0, "answer " + ModelText.quote(answerText) + " is not a number");
    }
    double tolerance = input.doubleParam(TOLERANCE);
    if (tolerance == 0) {
      boolean equal = answer.compareTo(gold) == 0;
      return CheckResult.scored(
          equal ? 1 : 0,
          "answer "
              + answer
              + (equal ? " equals" : " differs from")
              + " gold "
              + gold
              + " exactly");
    }
    var diff = answer.subtract(gold);
    var bound = Rational.parseDecimal(java.math.BigDecimal.valueOf(tolerance).toPlainString());
    if (input.booleanParam(RELATIVE)) {
      bound = bound.multiply(gold.compareTo(Rational.ZERO) < 0 ? gold.negate() : gold);
    }
    var absDiff = diff.compareTo(Rational.ZERO) < 0 ? diff.negate() : diff;
    boolean within = absDiff.compareTo(bound) <= 0;
    return CheckResult.scored(
        within ? 1 : 0,
        "answer "
            + answer
            + " is "
            + (within ? "within" : "outside")
            + " tolerance "
            + tolerance
            + (input.booleanParam(RELATIVE) ? " (relative)" : "")
            + " of gold "
            + gold);
  }

  /** Last boxed, else last answer tag, else the last number in the region. */
  static String finalAnswer(String region) {
    var boxed = ModelText.boxedContents(region);
    if (!boxed.isEmpty()) {
      return boxed.get(boxed.size() - 1);
    }
    var tag = ModelText.lastAnswerTag(region);
    if (tag.isPresent()) {
      return tag.get();
    }
    var m = NUMBER.matcher(region);
    String last = null;
    while (m.find()) {
      last = m.group();
    }
    return last;
  }

  /**
   * An exact rational from a numeric answer ({@code 1,234}, {@code -3.5}, {@code 1e3}, {@code
   * \frac{1}{2}}, {@code 1/2}, {@code 50\%} as 50), or null if it is not a number.
   */
  static Rational parse(String text) {
    var normalized = LatexNormalizer.normalize(text);
    try {
      return Rational.parseDecimal(normalized);
    } catch (NumberFormatException notPlain) {
      try {
        return MathExpression.exact(MathExpression.parse(normalized));
      } catch (MathExpression.ParseException | ArithmeticException e) {
        if (e instanceof BigNumberCapException cap) {
          throw cap;
        }
        return null;
      }
    }
  }
}
