package dev.grpo.rewards;

import java.util.Set;

/**
 * Turns a LaTeX-ish final answer into a canonical string: no {@code $}, {@code \left}/{@code
 * \right}, spacing commands, units, percent or degree signs; {@code \dfrac}/{@code \tfrac} become
 * {@code \frac}, {@code \frac12} becomes {@code \frac{1}{2}}, {@code \sqrt2} becomes {@code
 * \sqrt{2}}, thousands separators go ({@code 1,000} only when the whole answer is one such number),
 * whitespace goes. Hand-written scans only, so the cost is linear in the input.
 */
final class LatexNormalizer {
  /** Unit words removed at the end of an answer that starts with a number. */
  static final Set<String> UNITS =
      Set.of(
          "cm",
          "mm",
          "km",
          "m",
          "meters",
          "meter",
          "metres",
          "inches",
          "inch",
          "in",
          "feet",
          "foot",
          "ft",
          "yards",
          "yard",
          "miles",
          "mile",
          "degrees",
          "degree",
          "units",
          "unit",
          "dollars",
          "dollar",
          "cents",
          "cent",
          "seconds",
          "second",
          "sec",
          "s",
          "minutes",
          "minute",
          "min",
          "hours",
          "hour",
          "hrs",
          "days",
          "day",
          "mph",
          "kg",
          "g",
          "grams",
          "gram",
          "pounds",
          "lbs",
          "liters",
          "litres",
          "l",
          "ml",
          "sq",
          "squareunits",
          "people",
          "years",
          "year",
          "points",
          "percent");

  private static final String[] DROPPED = {
    "\\displaystyle",
    "\\left",
    "\\right",
    "\\!",
    "\\,",
    "\\;",
    "\\:",
    "\\ ",
    "^{\\circ}",
    "^\\circ",
    "\\circ",
    "°",
    "\\%",
    "%",
    "\\$",
    "$",
    "{,}",
    "\\(",
    "\\)",
    "\\[",
    "\\]"
  };
  private static final String[] UNWRAPPED = {
    "\\text{", "\\textbf{", "\\mathrm{", "\\mathbf{", "\\mbox{", "\\operatorname{", "\\textrm{"
  };

  private LatexNormalizer() {}

  static String normalize(String raw) {
    var s = raw.strip();
    for (var wrapper : UNWRAPPED) {
      s = unwrap(s, wrapper);
    }
    s = s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac");
    s = s.replace("\\cdot", "*").replace("\\times", "*").replace("\\div", "/");
    // "\left\{" must keep its "\{"; drop "\left" first, then the plain-delimiter forms.
    for (var d : DROPPED) {
      s = s.replace(d, "");
    }
    s = removeWhitespace(s);
    s = expandShortArgs(s, "\\frac", 2);
    s = expandShortArgs(s, "\\sqrt", 1);
    while (s.endsWith(".")) {
      s = s.substring(0, s.length() - 1);
    }
    s = stripUnit(s);
    if (isThousandsNumber(s)) {
      s = s.replace(",", "");
    }
    return s;
  }

  /** {@code \text{abc}} becomes {@code abc} (contents without nested braces). */
  private static String unwrap(String s, String wrapper) {
    int at = s.indexOf(wrapper);
    if (at < 0) {
      return s;
    }
    var out = new StringBuilder(s.length());
    int i = 0;
    while (at >= 0) {
      int close = s.indexOf('}', at + wrapper.length());
      if (close < 0) {
        break;
      }
      out.append(s, i, at).append(s, at + wrapper.length(), close);
      i = close + 1;
      at = s.indexOf(wrapper, i);
    }
    out.append(s, i, s.length());
    return out.toString();
  }

  private static String removeWhitespace(String s) {
    var out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!Character.isWhitespace(c) && c != '~') {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** {@code \frac12} to {@code \frac{1}{2}}, {@code \frac1{x}} to {@code \frac{1}{x}}, etc. */
  private static String expandShortArgs(String s, String command, int arity) {
    if (!s.contains(command)) {
      return s;
    }
    var out = new StringBuilder(s.length() + 8);
    int i = 0;
    while (i < s.length()) {
      if (s.startsWith(command, i)) {
        out.append(command);
        i += command.length();
        for (int a = 0; a < arity && i < s.length(); a++) {
          char c = s.charAt(i);
          if (c == '{') {
            int close = matchingBrace(s, i);
            if (close < 0) {
              break;
            }
            out.append(s, i, close + 1);
            i = close + 1;
          } else if (Character.isLetterOrDigit(c)) {
            out.append('{').append(c).append('}');
            i++;
          } else {
            break;
          }
        }
      } else {
        out.append(s.charAt(i++));
      }
    }
    return out.toString();
  }

  /** Index of the brace closing the one at {@code open}, or -1. */
  static int matchingBrace(String s, int open) {
    int depth = 0;
    for (int i = open; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '{') {
        depth++;
      } else if (c == '}' && --depth == 0) {
        return i;
      }
    }
    return -1;
  }

  private static String stripUnit(String s) {
    int end = s.length();
    int start = end;
    while (start > 0 && Character.isLetter(s.charAt(start - 1))) {
      start--;
    }
    if (start == 0 || start == end || s.charAt(start - 1) == '\\') {
      return s;
    }
    char before = s.charAt(start - 1);
    boolean numberBefore = Character.isDigit(before) || before == '}' || before == ')';
    var word = s.substring(start).toLowerCase(java.util.Locale.ROOT);
    return numberBefore && UNITS.contains(word) ? s.substring(0, start) : s;
  }

  /** {@code -1,234,567.89}: a whole answer that is one number with thousands separators. */
  static boolean isThousandsNumber(String s) {
    int i = s.startsWith("-") ? 1 : 0;
    int lead = 0;
    while (i < s.length() && Character.isDigit(s.charAt(i))) {
      i++;
      lead++;
    }
    if (lead < 1 || lead > 3 || i >= s.length() || s.charAt(i) != ',') {
      return false;
    }
    while (i < s.length() && s.charAt(i) == ',') {
      for (int k = 1; k <= 3; k++) {
        if (i + k >= s.length() || !Character.isDigit(s.charAt(i + k))) {
          return false;
        }
      }
      i += 4;
    }
    if (i < s.length() && s.charAt(i) == '.') {
      i++;
      int frac = 0;
      while (i < s.length() && Character.isDigit(s.charAt(i))) {
        i++;
        frac++;
      }
      if (frac == 0) {
        return false;
      }
    }
    return i == s.length();
  }
}
