package dev.grpo.rewards;

import dev.grpo.rewardapi.CheckInput;
import dev.grpo.rewardapi.CheckResult;
import dev.grpo.rewardapi.ParamSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * {@code countdown}: the last {@code <answer>} after the last {@code </think>} is an arithmetic
 * expression over {@code + - * / ( )} that uses each of {@code verification.numbers} exactly once
 * and equals {@code verification.target}. Parsed by hand and evaluated in exact rationals, never
 * evaluated as code.
 */
public final class CountdownChecker extends BuiltinChecker<CountdownChecker.Puzzle> {
  /**
   * The task's numbers and target.
   *
   * @param numbers the integers to use, each once
   * @param target what the expression must equal
   */
  record Puzzle(List<Long> numbers, Rational target) {}

  static final ParamSpec FORMAT_SCORE =
      ParamSpec.number("formatScore", 0.1, "score of a well-formed but wrong expression")
          .atLeast(0)
          .atMost(1);

  /** Longer expressions are not answers to a countdown puzzle. */
  static final int MAX_EXPRESSION_CHARS = 500;

  /** Digits per number literal; puzzle numbers are small. */
  static final int MAX_LITERAL_DIGITS = 12;

  static final int MAX_DEPTH = 64;

  @Override
  public String name() {
    return "countdown";
  }

  @Override
  public String description() {
    return "1 when the last <answer> is an expression with + - * / ( ) that uses each of"
        + " verification.numbers exactly once and equals verification.target; formatScore (0.1)"
        + " when it is a well-formed expression but wrong; 0 otherwise.";
  }

  @Override
  public List<ParamSpec> params() {
    return List.of(FORMAT_SCORE);
  }

  @Override
  Reference<Puzzle> reference(CheckInput input) {
    List<Long> numbers = new ArrayList<>();
    if (!(input.verification().get("numbers") instanceof List<?> list)
        || !(input.verification().get("target") instanceof Number targetNumber)) {
      return Reference.missing(
          "verification.numbers (list) and verification.target (number) are required");
    }
    for (var n : list) {
      if (!(n instanceof Number num) || num.doubleValue() != Math.rint(num.doubleValue())) {
        return Reference.missing("verification.numbers must be integers, was " + list);
      }
      numbers.add(num.longValue());
    }
    return Reference.of(new Puzzle(numbers, Rational.of(targetNumber.longValue())));
  }

  @Override
  CheckResult score(CheckInput input, Puzzle puzzle) {
    var numbers = puzzle.numbers();
    var target = puzzle.target();
    var tag = ModelText.lastAnswerTag(ModelText.answerRegion(input.completion()));
    if (tag.isEmpty()) {
      return CheckResult.scored(0, "no <answer>...</answer> after the last </think>");
    }
    var expression = tag.get().strip();
    // "(1 + 2) * 3 = 9" is common; the part before '=' is the expression.
    int eq = expression.indexOf('=');
    if (eq >= 0) {
      expression = expression.substring(0, eq).strip();
    }
    if (expression.length() > MAX_EXPRESSION_CHARS) {
      return CheckResult.scored(
          0,
          "expression has "
              + expression.length()
              + " chars, over the cap of "
              + MAX_EXPRESSION_CHARS);
    }
    var parser = new Parser(expression);
    Rational value;
    try {
      value = parser.parse();
    } catch (IllegalArgumentException e) {
      return CheckResult.scored(0, "not a well-formed expression: " + e.getMessage());
    }
    double formatScore = input.doubleParam(FORMAT_SCORE);
    var used = new ArrayList<>(parser.literals);
    var expected = new ArrayList<>(numbers);
    Collections.sort(used);
    Collections.sort(expected);
    if (!used.equals(expected)) {
      return CheckResult.scored(
          formatScore, "uses " + used + ", must use each of " + expected + " once");
    }
    if (value == null) {
      return CheckResult.scored(formatScore, "divides by zero");
    }
    if (value.compareTo(target) != 0) {
      return CheckResult.scored(formatScore, "equals " + value + ", target is " + target);
    }
    return CheckResult.scored(1, "equals the target " + target + " using each number once");
  }

  /** Recursive descent over + - * / ( ) and integer literals; null value on division by zero. */
  private static final class Parser {
    final String s;
    final List<Long> literals = new ArrayList<>();
    int pos;
    int depth;
    boolean dividedByZero;

    Parser(String s) {
      this.s = s;
    }

    Rational parse() {
      var value = expr();
      skipSpaces();
      if (pos != s.length()) {
        throw new IllegalArgumentException("unexpected '" + s.charAt(pos) + "' at " + pos);
      }
      return dividedByZero ? null : value;
    }

    Rational expr() {
      if (++depth > MAX_DEPTH) {
        throw new IllegalArgumentException("nesting deeper than " + MAX_DEPTH);
      }
      var left = term();
      while (true) {
        skipSpaces();
        if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
          char op = s.charAt(pos++);
          var right = term();
          left = op == '+' ? left.add(right) : left.subtract(right);
        } else {
          depth--;
          return left;
        }
      }
    }

    Rational term() {
      var left = factor();
      while (true) {
        skipSpaces();
        if (pos < s.length() && (s.charAt(pos) == '*' || s.charAt(pos) == '/')) {
          char op = s.charAt(pos++);
          var right = factor();
          if (op == '*') {
            left = left.multiply(right);
          } else if (right.num().signum() == 0) {
            dividedByZero = true; // keep parsing: the shape still decides well-formedness
          } else {
            left = left.divide(right);
          }
        } else {
          return left;
        }
      }
    }

    Rational factor() {
      skipSpaces();
      if (pos >= s.length()) {
        throw new IllegalArgumentException("expression ends early");
      }
      char c = s.charAt(pos);
      if (c == '(') {
        pos++;
        var inner = expr();
        skipSpaces();
        if (pos >= s.length() || s.charAt(pos) != ')') {
          throw new IllegalArgumentException("missing ')'");
        }
        pos++;
        return inner;
      }
      if (c >= '0' && c <= '9') {
        int start = pos;
        while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
          pos++;
        }
        if (pos - start > MAX_LITERAL_DIGITS) {
          throw new IllegalArgumentException(
              "number with more than " + MAX_LITERAL_DIGITS + " digits");
        }
        long n = Long.parseLong(s.substring(start, pos));
        literals.add(n);
        return Rational.of(n);
      }
      // Unary minus is not in the puzzle's alphabet; "-3" would invent a number.
      throw new IllegalArgumentException(
          "unexpected '" + c + "' at " + pos + " (only digits, + - * / ( ) allowed)");
    }

    void skipSpaces() {
      while (pos < s.length() && s.charAt(pos) == ' ') {
        pos++;
      }
    }
  }
}
