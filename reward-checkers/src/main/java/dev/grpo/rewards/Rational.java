package dev.grpo.rewards;

import java.math.BigInteger;

/**
 * An exact rational number in lowest terms with a positive denominator. Every operation refuses
 * (with {@link BigNumberCapException}) to build a number over {@link #MAX_BITS} bits, so that model
 * text like {@code 9^{9^{9^9}}} or a million-digit literal costs microseconds, not minutes.
 */
record Rational(BigInteger num, BigInteger den) implements Comparable<Rational> {
  /** Largest numerator or denominator size; 8192 bits is about 2,466 decimal digits. */
  static final int MAX_BITS = 8192;

  /** Longest digit string accepted in a literal, before any BigInteger work. */
  static final int MAX_LITERAL_DIGITS = 400;

  /** Largest |exponent| of a literal in scientific notation. */
  static final int MAX_LITERAL_EXPONENT = 400;

  static final Rational ZERO = new Rational(BigInteger.ZERO, BigInteger.ONE);
  static final Rational ONE = new Rational(BigInteger.ONE, BigInteger.ONE);

  Rational {
    if (den.signum() == 0) {
      throw new ArithmeticException("division by zero");
    }
    if (den.signum() < 0) {
      num = num.negate();
      den = den.negate();
    }
    var g = num.gcd(den);
    if (!g.equals(BigInteger.ONE) && g.signum() != 0) {
      num = num.divide(g);
      den = den.divide(g);
    }
    if (num.bitLength() > MAX_BITS || den.bitLength() > MAX_BITS) {
      throw new BigNumberCapException("number over " + MAX_BITS + " bits");
    }
  }

  static Rational of(long n) {
    return new Rational(BigInteger.valueOf(n), BigInteger.ONE);
  }

  /**
   * Parses a plain decimal literal: optional sign, digits, optional fraction, optional exponent
   * ({@code -12.5e3}). Digit and exponent counts are checked before any BigInteger is built.
   *
   * @throws NumberFormatException if it is not such a literal
   * @throws BigNumberCapException if it is over the caps
   */
  static Rational parseDecimal(String text) {
    int i = 0;
    int n = text.length();
    boolean negative = false;
    if (i < n && (text.charAt(i) == '-' || text.charAt(i) == '+')) {
      negative = text.charAt(i) == '-';
      i++;
    }
    int intStart = i;
    while (i < n && isDigit(text.charAt(i))) {
      i++;
    }
    String intPart = text.substring(intStart, i);
    String fracPart = "";
    if (i < n && text.charAt(i) == '.') {
      int fracStart = ++i;
      while (i < n && isDigit(text.charAt(i))) {
        i++;
      }
      fracPart = text.substring(fracStart, i);
    }
    if (intPart.isEmpty() && fracPart.isEmpty()) {
      throw new NumberFormatException("not a number: " + clip(text));
    }
    int exponent = 0;
    if (i < n && (text.charAt(i) == 'e' || text.charAt(i) == 'E')) {
      i++;
      int expStart = i;
      if (i < n && (text.charAt(i) == '-' || text.charAt(i) == '+')) {
        i++;
      }
      int digitsStart = i;
      while (i < n && isDigit(text.charAt(i))) {
        i++;
      }
      if (i == digitsStart) {
        throw new NumberFormatException("not a number: " + clip(text));
      }
      if (i - digitsStart > 4) {
        throw new BigNumberCapException("exponent over " + MAX_LITERAL_EXPONENT);
      }
      exponent = Integer.parseInt(text.substring(expStart, i));
    }
    if (i != n) {
      throw new NumberFormatException("not a number: " + clip(text));
    }
    if (intPart.length() + fracPart.length() > MAX_LITERAL_DIGITS) {
      throw new BigNumberCapException("literal over " + MAX_LITERAL_DIGITS + " digits");
    }
    if (Math.abs(exponent) > MAX_LITERAL_EXPONENT) {
      throw new BigNumberCapException("exponent over " + MAX_LITERAL_EXPONENT);
    }
    var digits = new BigInteger(intPart.isEmpty() && fracPart.isEmpty() ? "0" : intPart + fracPart);
    int scale = fracPart.length() - exponent;
    var num = negative ? digits.negate() : digits;
    return scale >= 0
        ? new Rational(num, BigInteger.TEN.pow(scale))
        : new Rational(num.multiply(BigInteger.TEN.pow(-scale)), BigInteger.ONE);
  }

  Rational add(Rational o) {
    return new Rational(num.multiply(o.den).add(o.num.multiply(den)), den.multiply(o.den));
  }

  Rational subtract(Rational o) {
    return add(o.negate());
  }

  Rational multiply(Rational o) {
    return new Rational(num.multiply(o.num), den.multiply(o.den));
  }

  Rational divide(Rational o) {
    if (o.num.signum() == 0) {
      throw new ArithmeticException("division by zero");
    }
    return new Rational(num.multiply(o.den), den.multiply(o.num));
  }

  Rational negate() {
    return new Rational(num.negate(), den);
  }

  /** Integer power; the size of the result is estimated and capped before it is computed. */
  Rational pow(long exponent) {
    long bits = Math.max(num.bitLength(), den.bitLength());
    if (Math.abs(exponent) > MAX_BITS || bits * Math.abs(exponent) > MAX_BITS) {
      if (num.abs().equals(BigInteger.ONE) && den.equals(BigInteger.ONE)) {
        return exponent % 2 == 0 ? ONE : this; // 1^n and (-1)^n are cheap at any size
      }
      throw new BigNumberCapException("power over " + MAX_BITS + " bits");
    }
    int e = (int) Math.abs(exponent);
    var r = new Rational(num.pow(e), den.pow(e));
    return exponent >= 0 ? r : ONE.divide(r);
  }

  boolean isInteger() {
    return den.equals(BigInteger.ONE);
  }

  /** The exact square root when numerator and denominator are perfect squares. */
  Rational sqrtIfExact() {
    if (num.signum() < 0) {
      return null;
    }
    var rn = num.sqrt();
    var rd = den.sqrt();
    return rn.multiply(rn).equals(num) && rd.multiply(rd).equals(den) ? new Rational(rn, rd) : null;
  }

  double toDouble() {
    if (num.bitLength() < 1000 && den.bitLength() < 1000) {
      return num.doubleValue() / den.doubleValue();
    }
    return new java.math.BigDecimal(num)
        .divide(new java.math.BigDecimal(den), java.math.MathContext.DECIMAL64)
        .doubleValue();
  }

  @Override
  public int compareTo(Rational o) {
    return num.multiply(o.den).compareTo(o.num.multiply(den));
  }

  @Override
  public String toString() {
    return isInteger() ? num.toString() : num + "/" + den;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  static String clip(String s) {
    return s.length() > 60 ? s.substring(0, 60) + "..." : s;
  }
}
