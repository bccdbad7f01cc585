package dev.grpo.bench.demo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A synthetic digit-string task: the prompt names an operation and a string of digits, the answer
 * is the transformed string.
 *
 * <p>Format: prompt {@code "<op> <digits>="} (e.g. {@code "rev 417="}), answer the transformed
 * digits with nothing else (e.g. {@code "714"}). The policy sees {@code <s>} followed by the
 * prompt's characters and should answer the digits followed by {@code </s>}.
 *
 * <p>Every digit string of {@code minDigits..maxDigits} digits is one instance. The train/held-out
 * split is a fixed function of the digit string alone (see {@link #isHeldOut(String)}), the same
 * for every run and seed, so held-out prompts are never trained on.
 *
 * @param operation what the answer does to the digits
 * @param minDigits shortest digit string, 1 to {@value #MAX_DIGITS}
 * @param maxDigits longest digit string, minDigits to {@value #MAX_DIGITS}
 */
public record DigitTask(Operation operation, int minDigits, int maxDigits) {

  /** Longest digit string: 10^6 instances is already more than a demo needs. */
  public static final int MAX_DIGITS = 6;

  /** One held-out instance in this many (20 %). */
  public static final int HELD_OUT_ONE_IN = 5;

  /** What the answer does to the digit string. */
  public enum Operation {
    /** The digits unchanged. */
    COPY("cpy"),
    /** The digits in reverse order. */
    REVERSE("rev"),
    /** The digits in ascending order. */
    SORT("srt"),
    /** The largest digit (a one-character answer). */
    MAX("max");

    private final String word;

    Operation(String word) {
      this.word = word;
    }

    /** The three-letter word that names the operation in the prompt. */
    public String word() {
      return word;
    }

    /** The answer for {@code digits}. */
    public String apply(String digits) {
      return switch (this) {
        case COPY -> digits;
        case REVERSE -> new StringBuilder(digits).reverse().toString();
        case SORT -> {
          char[] c = digits.toCharArray();
          Arrays.sort(c);
          yield new String(c);
        }
        case MAX -> String.valueOf((char) digits.chars().max().orElseThrow());
      };
    }

    /**
     * Parses {@code copy}, {@code reverse}, {@code sort}, {@code max} or the prompt words, any
     * case.
     */
    public static Operation parse(String name) {
      String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
      for (Operation op : values()) {
        if (op.word.equals(n) || op.name().toLowerCase(Locale.ROOT).equals(n)) {
          return op;
        }
      }
      throw new IllegalArgumentException(
          "operation must be copy, reverse, sort or max, was " + name);
    }
  }

  /**
   * One prompt with its gold answer.
   *
   * @param digits the digit string the prompt is built from
   * @param prompt the prompt text, e.g. {@code "rev 417="}
   * @param answer the gold answer, e.g. {@code "714"}
   * @param heldOut whether this instance belongs to the held-out (evaluation) set
   */
  public record Instance(String digits, String prompt, String answer, boolean heldOut) {}

  public DigitTask {
    if (operation == null) {
      throw new IllegalArgumentException("operation must be set, was null");
    }
    if (minDigits < 1 || minDigits > MAX_DIGITS) {
      throw new IllegalArgumentException(
          "minDigits must be between 1 and " + MAX_DIGITS + ", was " + minDigits);
    }
    if (maxDigits < minDigits || maxDigits > MAX_DIGITS) {
      throw new IllegalArgumentException(
          "maxDigits must be between minDigits ("
              + minDigits
              + ") and "
              + MAX_DIGITS
              + ", was "
              + maxDigits);
    }
  }

  /** The characters of every prompt and answer, for the policy's character tokenizer. */
  public String alphabet() {
    return "0123456789 =" + operation.word();
  }

  /** Completion tokens the policy needs: the longest answer plus its end-of-sequence token. */
  public int maxNewTokens() {
    return (operation == Operation.MAX ? 1 : maxDigits) + 1;
  }

  /** The instance for one digit string. */
  public Instance instance(String digits) {
    if (digits.length() < minDigits
        || digits.length() > maxDigits
        || !digits.chars().allMatch(Character::isDigit)) {
      throw new IllegalArgumentException(
          "digits must be "
              + minDigits
              + " to "
              + maxDigits
              + " ASCII digits, was \""
              + digits
              + "\"");
    }
    return new Instance(
        digits, operation.word() + " " + digits + "=", operation.apply(digits), isHeldOut(digits));
  }

  /** Every instance, shortest strings first, each length in numeric order. */
  public List<Instance> instances() {
    List<Instance> all = new ArrayList<>();
    for (int len = minDigits; len <= maxDigits; len++) {
      int count = (int) Math.pow(10, len);
      for (int v = 0; v < count; v++) {
        all.add(instance(String.format(Locale.ROOT, "%0" + len + "d", v)));
      }
    }
    return all;
  }

  /**
   * The split rule: a digit string is held out when the SplitMix64 finaliser of (length, value) is
   * divisible by {@value #HELD_OUT_ONE_IN}. A hash, not {@code value % 5}, so that every digit
   * appears at every position in both sets (a modular rule on the value would keep, e.g., last
   * digits 0 and 5 out of training entirely).
   */
  public static boolean isHeldOut(String digits) {
    long key = ((long) digits.length() << 40) | Long.parseLong(digits);
    return Long.remainderUnsigned(mix64(key), HELD_OUT_ONE_IN) == 0;
  }

  /** SplitMix64's output function (Steele, Lea, Flood 2014): a fixed, well-mixing 64-bit hash. */
  static long mix64(long z) {
    z += 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
