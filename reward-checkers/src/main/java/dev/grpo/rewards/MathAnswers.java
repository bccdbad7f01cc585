package dev.grpo.rewards;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.TreeSet;

/**
 * Decides whether a final answer equals a gold answer, in the order {@code math_equiv} documents:
 * normalised strings, exact rationals, sets/tuples/intervals element by element, then the bounded
 * symbolic step (numeric identity test over {@link MathExpression}).
 */
final class MathAnswers {
  /** More elements than this in a set/tuple is not an answer we compare. */
  static final int MAX_ELEMENTS = 64;

  /** Relative tolerance of the numeric identity test (double round-off, not answer slack). */
  static final double IDENTITY_TOLERANCE = 1e-9;

  /** Variable values for the identity test: fixed, irregular, positive (keeps sqrt/log defined). */
  private static final double[][] PROBES = {
    {0.7319, 1.4142, 2.2361, 0.5773, 1.7321, 0.9129},
    {1.3107, 0.6180, 1.9183, 2.7183, 0.8660, 1.1547},
    {2.0617, 1.2599, 0.8409, 1.4422, 2.4495, 0.6931},
    {0.5404, 2.3026, 1.6487, 0.9487, 1.0986, 1.8171}
  };

  private MathAnswers() {}

  /** Whether two answers are equal, and how that was decided. */
  record Verdict(boolean equal, String how) {}

  static Verdict compare(String answerRaw, String goldRaw) {
    var answer = LatexNormalizer.normalize(answerRaw);
    var gold = LatexNormalizer.normalize(goldRaw);
    if (answer.equals(gold)) {
      return new Verdict(true, "equal as normalised strings");
    }
    // "x = 5" against a bare gold "5": compare the right-hand side.
    if (!gold.contains("=")) {
      int eq = answer.indexOf('=');
      if (eq > 0 && eq == answer.lastIndexOf('=') && isVariableName(answer.substring(0, eq))) {
        answer = answer.substring(eq + 1);
        if (answer.equals(gold)) {
          return new Verdict(true, "equal as normalised strings (right-hand side of =)");
        }
      }
    }
    var a = Container.of(answer);
    var g = Container.of(gold);
    if (a != null || g != null) {
      if (a == null || g == null) {
        return new Verdict(false, "one side is a set/tuple/interval, the other is not");
      }
      return compareContainers(a, g);
    }
    return compareScalars(answer, gold);
  }

  private static boolean isVariableName(String s) {
    if (s.isEmpty() || s.length() > 8 || !Character.isLetter(s.charAt(0))) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!Character.isLetterOrDigit(c) && c != '_' && c != '{' && c != '}') {
        return false;
      }
    }
    return true;
  }

  private static Verdict compareContainers(Container a, Container g) {
    if (a.elements.size() != g.elements.size()) {
      return new Verdict(
          false,
          "different sizes: " + a.elements.size() + " vs " + g.elements.size() + " elements");
    }
    if (a.unordered != g.unordered || (!a.unordered && (a.open != g.open || a.close != g.close))) {
      return new Verdict(false, "different kinds: " + a.describe() + " vs " + g.describe());
    }
    if (a.unordered) {
      var unmatched = new ArrayList<>(g.elements);
      for (var element : a.elements) {
        int match = -1;
        for (int j = 0; j < unmatched.size() && match < 0; j++) {
          if (compareScalars(element, unmatched.get(j)).equal()) {
            match = j;
          }
        }
        if (match < 0) {
          return new Verdict(
              false, "element " + ModelText.quote(element) + " is not in the gold set");
        }
        unmatched.remove(match);
      }
      return new Verdict(true, "equal as sets of " + a.elements.size() + " elements");
    }
    for (int i = 0; i < a.elements.size(); i++) {
      if (!compareScalars(a.elements.get(i), g.elements.get(i)).equal()) {
        return new Verdict(false, "element " + i + " differs in " + a.describe());
      }
    }
    return new Verdict(true, "equal element by element as " + a.describe());
  }

  static Verdict compareScalars(String answer, String gold) {
    if (answer.equals(gold)) {
      return new Verdict(true, "equal as normalised strings");
    }
    MathExpression.Node an;
    MathExpression.Node gn;
    try {
      an = MathExpression.parse(answer);
    } catch (MathExpression.ParseException e) {
      return new Verdict(
          false, "answer " + ModelText.quote(answer) + " not understood: " + e.getMessage());
    }
    try {
      gn = MathExpression.parse(gold);
    } catch (MathExpression.ParseException e) {
      return new Verdict(
          false, "gold " + ModelText.quote(gold) + " not understood: " + e.getMessage());
    }
    Rational ae;
    Rational ge;
    try {
      ae = MathExpression.exact(an);
      ge = MathExpression.exact(gn);
    } catch (BigNumberCapException e) {
      return new Verdict(false, "a number is over the size caps (" + e.getMessage() + ")");
    } catch (ArithmeticException e) {
      return new Verdict(false, "not a valid value: " + e.getMessage());
    }
    if (ae != null && ge != null) {
      boolean equal = ae.compareTo(ge) == 0;
      return new Verdict(
          equal,
          (equal ? "equal" : "different") + " as exact rationals (" + ae + " vs " + ge + ")");
    }
    int ai = MathExpression.infinitySign(an);
    int gi = MathExpression.infinitySign(gn);
    if (ai != 0 || gi != 0) {
      return new Verdict(
          ai == gi, ai == gi ? "same infinity" : "infinity against a different value");
    }
    // A rational with a long expansion (3.14159265358979) is an approximation, never equal to a
    // closed form (\pi) even where doubles cannot tell them apart; a short one (1/2 vs sin(pi/6),
    // 2 vs sqrt(2)^2) may be.
    var rational = ae != null ? ae : ge;
    if (rational != null && rational.den().bitLength() > MAX_CLOSED_FORM_DENOMINATOR_BITS) {
      return new Verdict(
          false,
          "a rational with denominator " + rational.den() + " against a non-rational expression");
    }
    return identityTest(an, gn);
  }

  /** Rationals with denominators above 2^20 (about 10^6) are not compared to closed forms. */
  static final int MAX_CLOSED_FORM_DENOMINATOR_BITS = 20;

  /** Equal when finite and within tolerance at every probe point where both are defined. */
  private static Verdict identityTest(MathExpression.Node a, MathExpression.Node g) {
    var names = MathExpression.variables(a, new TreeSet<>());
    MathExpression.variables(g, names);
    if (names.size() > PROBES[0].length) {
      return new Verdict(false, "more than " + PROBES[0].length + " variables; not compared");
    }
    int defined = 0;
    for (var probe : PROBES) {
      var values = new HashMap<String, Double>();
      int k = 0;
      for (var name : names) {
        values.put(name, probe[k++]);
      }
      double x = MathExpression.eval(a, values);
      double y = MathExpression.eval(g, values);
      if (Double.isNaN(x) && Double.isNaN(y)) {
        continue;
      }
      if (!Double.isFinite(x) || !Double.isFinite(y)) {
        return new Verdict(
            false, "different values (or a value out of range) in the symbolic check");
      }
      double scale = Math.max(1.0, Math.max(Math.abs(x), Math.abs(y)));
      if (Math.abs(x - y) > IDENTITY_TOLERANCE * scale) {
        return new Verdict(
            false, "different values in the symbolic check (" + x + " vs " + y + ")");
      }
      defined++;
      if (names.isEmpty()) {
        break; // a constant needs one evaluation
      }
    }
    if (defined == 0) {
      return new Verdict(false, "no point where both sides are defined");
    }
    return new Verdict(
        true,
        names.isEmpty()
            ? "equal symbolically (same value to 1e-9)"
            : "equal symbolically (agree at " + defined + " points in " + names + ")");
  }

  /** A set, tuple, interval or bare comma list, split into element strings. */
  private static final class Container {
    final char open;
    final char close;
    final boolean unordered;
    final List<String> elements;

    private Container(char open, char close, boolean unordered, List<String> elements) {
      this.open = open;
      this.close = close;
      this.unordered = unordered;
      this.elements = elements;
    }

    String describe() {
      return unordered ? "set" : open + "tuple/interval" + close;
    }

    /** The container shape of a normalised answer, or null for a plain scalar. */
    static Container of(String s) {
      if (s.contains("\\cup")) {
        var parts = splitTopLevel(s, "\\cup");
        return parts == null ? null : new Container('{', '}', true, parts);
      }
      if (s.startsWith("\\{") && s.endsWith("\\}") && closesAtEnd(s, 2)) {
        var parts = splitTopLevel(s.substring(2, s.length() - 2), ",");
        return parts == null ? null : new Container('{', '}', true, parts);
      }
      if (s.length() >= 2
          && "([".indexOf(s.charAt(0)) >= 0
          && ")]".indexOf(s.charAt(s.length() - 1)) >= 0
          && closesAtEnd(s, 1)) {
        var parts = splitTopLevel(s.substring(1, s.length() - 1), ",");
        if (parts != null && parts.size() >= 2) {
          return new Container(s.charAt(0), s.charAt(s.length() - 1), false, parts);
        }
        return null;
      }
      var parts = splitTopLevel(s, ",");
      return parts != null && parts.size() >= 2 ? new Container('{', '}', true, parts) : null;
    }

    /** Whether the bracket opened at index 0 closes only at the very end. */
    private static boolean closesAtEnd(String s, int openLength) {
      int depth = 0;
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c == '(' || c == '[' || c == '{') {
          depth++;
        } else if (c == ')' || c == ']' || c == '}') {
          depth--;
          if (depth == 0 && i < s.length() - 1) {
            return false;
          }
        }
      }
      return depth == 0;
    }

    private static List<String> splitTopLevel(String s, String separator) {
      var parts = new ArrayList<String>();
      int depth = 0;
      int start = 0;
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c == '(' || c == '[' || c == '{') {
          depth++;
        } else if (c == ')' || c == ']' || c == '}') {
          depth--;
        } else if (depth == 0 && s.startsWith(separator, i)) {
          parts.add(s.substring(start, i));
          start = i + separator.length();
          if (parts.size() > MAX_ELEMENTS) {
            return null;
          }
        }
      }
      parts.add(s.substring(start));
      return parts;
    }
  }
}
