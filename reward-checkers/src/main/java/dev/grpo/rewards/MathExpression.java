package dev.grpo.rewards;

import java.util.Map;
import java.util.TreeSet;

/**
 * A bounded evaluator for normalised LaTeX math: a recursive-descent parser (depth and node count
 * capped) into a small tree that evaluates exactly over {@link Rational}s when it can, and in
 * doubles at chosen variable values otherwise. This is the symbolic step of {@code math_equiv}: two
 * expressions are judged equal when they agree at several random points (a numeric identity test),
 * which is cheap, bounded by the tree size, and cannot run away the way a CAS can.
 */
final class MathExpression {
  /**
   * Deeper nesting than this is refused (and the parser's recursion stays far from the stack
   * limit).
   */
  static final int MAX_DEPTH = 64;

  /** More tree nodes than this is refused. */
  static final int MAX_NODES = 2_000;

  /** Commands the parser knows, longest first so that prefix matching prefers "infty" to "in". */
  static final java.util.List<String> COMMANDS =
      java.util.List.of("infty", "frac", "sqrt", "sin", "cos", "tan", "exp", "log", "pi", "ln");

  /** A parse or evaluation the model text does not deserve; the answer is judged unparseable. */
  static final class ParseException extends Exception {
    ParseException(String message) {
      super(message, null, false, false);
    }
  }

  /** A node of the expression tree. */
  sealed interface Node permits Num, Var, Sym, Neg, Bin, Fn {}

  record Num(Rational value) implements Node {}

  record Var(String name) implements Node {}

  /** A named constant: pi, e or infinity. */
  record Sym(String name, double value) implements Node {}

  record Neg(Node arg) implements Node {}

  record Bin(char op, Node left, Node right) implements Node {}

  /** sqrt, nth root ({@code index} non-null), or an elementary function. */
  record Fn(String name, Node arg, Node index) implements Node {}

  private final String s;
  private int pos;
  private int depth;
  private int nodes;

  private MathExpression(String s) {
    this.s = s;
  }

  /** Parses a normalised answer (see {@link LatexNormalizer}). */
  static Node parse(String normalized) throws ParseException {
    var parser = new MathExpression(normalized);
    if (normalized.isEmpty()) {
      throw new ParseException("empty expression");
    }
    var node = parser.expr();
    if (parser.pos != normalized.length()) {
      throw new ParseException(
          "unexpected '" + normalized.charAt(parser.pos) + "' at " + parser.pos);
    }
    return node;
  }

  private Node count(Node n) throws ParseException {
    if (++nodes > MAX_NODES) {
      throw new ParseException("more than " + MAX_NODES + " nodes");
    }
    return n;
  }

  private void enter() throws ParseException {
    if (++depth > MAX_DEPTH) {
      throw new ParseException("nesting deeper than " + MAX_DEPTH);
    }
  }

  private Node expr() throws ParseException {
    enter();
    var left = term();
    while (pos < s.length() && (peek() == '+' || peek() == '-')) {
      char op = s.charAt(pos++);
      left = count(new Bin(op, left, term()));
    }
    depth--;
    return left;
  }

  private Node term() throws ParseException {
    var left = unary();
    while (pos < s.length()) {
      char c = peek();
      if (c == '*' || c == '/') {
        pos++;
        left = count(new Bin(c, left, unary()));
      } else if (startsPrimary()) {
        left = count(new Bin('*', left, power())); // implicit product: 2x, 2\pi, (a)(b)
      } else {
        break;
      }
    }
    return left;
  }

  private Node unary() throws ParseException {
    if (pos < s.length() && (peek() == '-' || peek() == '+')) {
      char c = s.charAt(pos++);
      enter();
      var arg = unary();
      depth--;
      return c == '-' ? count(new Neg(arg)) : arg;
    }
    return power();
  }

  private Node power() throws ParseException {
    var base = primary();
    if (pos < s.length() && peek() == '^') {
      pos++;
      enter();
      Node exponent;
      if (pos < s.length() && (peek() == '-' || peek() == '+')) {
        exponent = unary();
      } else if (pos < s.length() && Character.isDigit(peek())) {
        exponent = count(new Num(Rational.of(s.charAt(pos++) - '0'))); // x^23 is x^2 * 3 in TeX
      } else {
        exponent = power(); // right-associative: a^b^c = a^(b^c)
      }
      depth--;
      return count(new Bin('^', base, exponent));
    }
    return base;
  }

  private boolean startsPrimary() {
    char c = peek();
    if (Character.isLetterOrDigit(c) || c == '(' || c == '{' || c == '.') {
      return true;
    }
    return c == '\\' && !s.startsWith("\\}", pos) && !s.startsWith("\\{", pos);
  }

  private Node primary() throws ParseException {
    if (pos >= s.length()) {
      throw new ParseException("expression ends early");
    }
    char c = peek();
    if (Character.isDigit(c) || c == '.') {
      int start = pos;
      while (pos < s.length() && (Character.isDigit(peek()) || peek() == '.')) {
        pos++;
      }
      // Scientific notation 1.5e3 / 2E-4; a bare "2e" stays 2 times the variable e.
      if (pos + 1 < s.length() && (peek() == 'e' || peek() == 'E')) {
        int exp = pos + 1;
        if (exp + 1 < s.length() && (s.charAt(exp) == '-' || s.charAt(exp) == '+')) {
          exp++;
        }
        if (exp < s.length() && Character.isDigit(s.charAt(exp))) {
          pos = exp;
          while (pos < s.length() && Character.isDigit(peek())) {
            pos++;
          }
        }
      }
      try {
        return count(new Num(Rational.parseDecimal(s.substring(start, pos))));
      } catch (NumberFormatException e) {
        throw new ParseException(e.getMessage());
      }
    }
    if (c == '(' || c == '{') {
      char close = c == '(' ? ')' : '}';
      pos++;
      var inner = expr();
      expect(close);
      return inner;
    }
    if (Character.isLetter(c)) {
      pos++;
      var name = String.valueOf(c);
      if (pos < s.length() && peek() == '_') { // x_1, a_{n}
        pos++;
        int start = pos;
        if (pos < s.length() && peek() == '{') {
          int close = LatexNormalizer.matchingBrace(s, pos);
          if (close < 0 || close - pos > 16) {
            throw new ParseException("bad subscript");
          }
          pos = close + 1;
        } else if (pos < s.length()) {
          pos++;
        }
        name = name + "_" + s.substring(start, pos).replace("{", "").replace("}", "");
      }
      return count(new Var(name));
    }
    if (c == '\\') {
      int start = ++pos;
      while (pos < s.length() && Character.isLetter(peek())) {
        pos++;
      }
      var command = s.substring(start, pos);
      if (!COMMANDS.contains(command)) {
        // Whitespace removal glues "\pi r" into "\pir"; take the longest known command prefix.
        for (var known : COMMANDS) {
          if (command.startsWith(known)) {
            command = known;
            break;
          }
        }
        pos = start + command.length();
      }
      switch (command) {
        case "pi":
          return count(new Sym("pi", Math.PI));
        case "infty":
          return count(new Sym("infty", Double.POSITIVE_INFINITY));
        case "frac":
          {
            var num = braced();
            var den = braced();
            return count(new Bin('/', num, den));
          }
        case "sqrt":
          {
            Node index = null;
            if (pos < s.length() && peek() == '[') {
              pos++;
              index = expr();
              expect(']');
            }
            return count(new Fn("sqrt", braced(), index));
          }
        case "sin", "cos", "tan", "ln", "log", "exp":
          {
            enter();
            var arg = power();
            depth--;
            return count(new Fn(command, arg, null));
          }
        default:
          throw new ParseException("unsupported command \\" + Rational.clip(command));
      }
    }
    throw new ParseException("unexpected '" + c + "' at " + pos);
  }

  private Node braced() throws ParseException {
    expect('{');
    var inner = expr();
    expect('}');
    return inner;
  }

  private void expect(char c) throws ParseException {
    if (pos >= s.length() || peek() != c) {
      throw new ParseException("expected '" + c + "' at " + pos);
    }
    pos++;
  }

  private char peek() {
    return s.charAt(pos);
  }

  /**
   * The exact value, or {@code null} when the expression is not a rational number (it has
   * variables, pi, an irrational root, a function).
   *
   * @throws ArithmeticException on division by zero
   * @throws BigNumberCapException when a value would exceed the big-number caps
   */
  static Rational exact(Node node) {
    if (node instanceof Num n) {
      return n.value();
    }
    if (node instanceof Neg n) {
      var a = exact(n.arg());
      return a == null ? null : a.negate();
    }
    if (node instanceof Bin b) {
      var l = exact(b.left());
      if (l == null) {
        return null;
      }
      var r = exact(b.right());
      if (r == null) {
        return null;
      }
      return switch (b.op()) {
        case '+' -> l.add(r);
        case '-' -> l.subtract(r);
        case '*' -> l.multiply(r);
        case '/' -> l.divide(r);
        case '^' -> r.isInteger() ? powExact(l, r) : null;
        default -> null;
      };
    }
    if (node instanceof Fn f && f.name().equals("sqrt") && f.index() == null) {
      var a = exact(f.arg());
      return a == null ? null : a.sqrtIfExact();
    }
    return null;
  }

  private static Rational powExact(Rational base, Rational exponent) {
    if (exponent.num().bitLength() > 31) {
      if (base.num().abs().equals(java.math.BigInteger.ONE) && base.isInteger()) {
        return exponent.num().testBit(0) ? base : Rational.ONE;
      }
      if (base.num().signum() == 0) {
        return exponent.num().signum() > 0 ? Rational.ZERO : null;
      }
      throw new BigNumberCapException("exponent " + exponent + " too large");
    }
    return base.pow(exponent.num().longValue());
  }

  /** The value in doubles with the given variable values (missing variables are NaN). */
  static double eval(Node node, Map<String, Double> vars) {
    if (node instanceof Num n) {
      return n.value().toDouble();
    }
    if (node instanceof Var v) {
      return vars.getOrDefault(v.name(), Double.NaN);
    }
    if (node instanceof Sym sym) {
      return sym.value();
    }
    if (node instanceof Neg n) {
      return -eval(n.arg(), vars);
    }
    if (node instanceof Bin b) {
      double l = eval(b.left(), vars);
      double r = eval(b.right(), vars);
      return switch (b.op()) {
        case '+' -> l + r;
        case '-' -> l - r;
        case '*' -> l * r;
        case '/' -> l / r;
        case '^' -> Math.pow(l, r);
        default -> Double.NaN;
      };
    }
    var f = (Fn) node;
    double a = eval(f.arg(), vars);
    return switch (f.name()) {
      case "sqrt" -> f.index() == null ? Math.sqrt(a) : Math.pow(a, 1 / eval(f.index(), vars));
      case "sin" -> Math.sin(a);
      case "cos" -> Math.cos(a);
      case "tan" -> Math.tan(a);
      case "ln" -> Math.log(a);
      case "log" -> Math.log10(a);
      case "exp" -> Math.exp(a);
      default -> Double.NaN;
    };
  }

  /** +1 for {@code \infty}, -1 for {@code -\infty}, 0 for anything else. */
  static int infinitySign(Node node) {
    if (node instanceof Sym sym && sym.name().equals("infty")) {
      return 1;
    }
    if (node instanceof Neg n) {
      return -infinitySign(n.arg());
    }
    return 0;
  }

  /** The variable names in the tree. */
  static TreeSet<String> variables(Node node, TreeSet<String> into) {
    if (node instanceof Var v) {
      into.add(v.name());
    } else if (node instanceof Neg n) {
      variables(n.arg(), into);
    } else if (node instanceof Bin b) {
      variables(b.left(), into);
      variables(b.right(), into);
    } else if (node instanceof Fn f) {
      variables(f.arg(), into);
      if (f.index() != null) {
        variables(f.index(), into);
      }
    }
    return into;
  }
}
