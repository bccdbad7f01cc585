package dev.grpo.trainer.run;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.DoublePredicate;
import java.util.function.Function;

/**
 * One field of a run request: its path, what it means, its default and the rule its value must
 * keep. {@link RunValidator} resolves values through these rules (every broken rule is an {@link
 * InvalidRunConfigException} naming path, value and rule) and the OpenAPI description of {@code
 * POST /runs} is {@link #description()}, so the documented range and default are the enforced ones.
 * The instances live in {@link RunRules}.
 */
public sealed interface FieldRule {

  /** Dotted path of the field in the request, e.g. {@code loss.epsLow}. */
  String path();

  /** The OpenAPI description: meaning, allowed values and default. */
  String description();

  /**
   * What a value of the wrong JSON type breaks, e.g. {@code "be a whole number between 1 and
   * 1000000"} for a fraction, an exponent or an overflow in an integer field; null where the type
   * alone says enough.
   */
  default String typeRule() {
    return null;
  }

  private static String describe(String meaning, String allowed, String defaultText) {
    return (meaning.isEmpty() ? "" : meaning + "; ") + allowed + "; default " + defaultText;
  }

  /**
   * An integer in {@code [min, max]}. Where a bound or the default depends on other fields (e.g.
   * {@code checkpointEvery <= steps}), the docs say so and {@link #resolve(Integer, int, int, int)}
   * takes the actual numbers.
   */
  record IntRule(
      String path,
      String meaning,
      int defaultValue,
      int min,
      int max,
      String minDoc,
      String maxDoc,
      String defaultDoc)
      implements FieldRule {

    static IntRule of(String path, String meaning, int defaultValue, int min, int max) {
      return new IntRule(
          path,
          meaning,
          defaultValue,
          min,
          max,
          Integer.toString(min),
          Integer.toString(max),
          Integer.toString(defaultValue));
    }

    IntRule withMinDoc(String doc) {
      return new IntRule(path, meaning, defaultValue, min, max, doc, maxDoc, defaultDoc);
    }

    IntRule withMaxDoc(String doc) {
      return new IntRule(path, meaning, defaultValue, min, max, minDoc, doc, defaultDoc);
    }

    IntRule withDefaultDoc(String doc) {
      return new IntRule(path, meaning, defaultValue, min, max, minDoc, maxDoc, doc);
    }

    /** The value, or the default when absent, checked against {@code [min, max]}. */
    public int resolve(Integer value) {
      return resolve(value, defaultValue, min, max);
    }

    /** As {@link #resolve(Integer)} with a default and bounds that depend on other fields. */
    public int resolve(Integer value, int defaultValue, int min, int max) {
      int v = value == null ? defaultValue : value;
      if (v < min || v > max) {
        throw new InvalidRunConfigException(path, v, "be between " + min + " and " + max);
      }
      return v;
    }

    @Override
    public String description() {
      return describe(meaning, minDoc + ".." + maxDoc, defaultDoc);
    }

    @Override
    public String typeRule() {
      return "be a whole number between " + minDoc + " and " + maxDoc;
    }
  }

  /** The ranges a number of a run request may be restricted to. */
  enum Range {
    POSITIVE("> 0", "be a finite number > 0", v -> v > 0 && Double.isFinite(v)),
    NON_NEGATIVE(">= 0", "be a finite number >= 0", v -> v >= 0 && Double.isFinite(v)),
    /** [0, 1): clip ranges, Adam's betas. */
    FRACTION_BELOW_ONE("[0, 1)", "be in [0, 1)", v -> v >= 0 && v < 1),
    /** (0, 1]: nucleus mass. */
    FRACTION_ABOVE_ZERO("(0, 1]", "be in (0, 1]", v -> v > 0 && v <= 1),
    /** [0, 1]. */
    FRACTION("[0, 1]", "be in [0, 1]", v -> v >= 0 && v <= 1);

    private final String doc;
    private final String rule;
    private final DoublePredicate holds;

    Range(String doc, String rule, DoublePredicate holds) {
      this.doc = doc;
      this.rule = rule;
      this.holds = holds;
    }
  }

  /**
   * A number in a {@link Range}, optionally with a further rule checked after the range ({@code
   * extraRule} names it, {@code extraDoc} documents it).
   */
  record DoubleRule(
      String path,
      String meaning,
      double defaultValue,
      Range range,
      DoublePredicate extra,
      String extraRule,
      String extraDoc)
      implements FieldRule {

    static DoubleRule of(String path, String meaning, double defaultValue, Range range) {
      return new DoubleRule(path, meaning, defaultValue, range, null, null, null);
    }

    DoubleRule and(DoublePredicate extra, String rule, String doc) {
      return new DoubleRule(path, meaning, defaultValue, range, extra, rule, doc);
    }

    /** The same rule documented as {@code doc}, for a constraint checked with other fields. */
    DoubleRule withExtraDoc(String doc) {
      return new DoubleRule(path, meaning, defaultValue, range, extra, extraRule, doc);
    }

    /** The value, or the default when absent, checked against the range (and the extra rule). */
    public double resolve(Double value) {
      double v = value == null ? defaultValue : value;
      if (!range.holds.test(v)) {
        throw new InvalidRunConfigException(path, v, range.rule);
      }
      if (extra != null && !extra.test(v)) {
        throw new InvalidRunConfigException(path, v, extraRule);
      }
      return v;
    }

    @Override
    public String description() {
      return describe(
          meaning, extraDoc == null ? range.doc : extraDoc, Double.toString(defaultValue));
    }
  }

  /**
   * One of the constants of an enum, spelled as its lower-case name ({@code dr_grpo}); {@code
   * parse} may be more lenient (any case) and fails with an {@link IllegalArgumentException}.
   */
  record ChoiceRule<E extends Enum<E>>(
      String path,
      String meaning,
      E defaultValue,
      List<E> choices,
      Function<String, E> parse,
      String defaultDoc)
      implements FieldRule {

    static <E extends Enum<E>> ChoiceRule<E> of(
        String path, String meaning, E defaultValue, Function<String, E> parse) {
      List<E> all = Arrays.asList(defaultValue.getDeclaringClass().getEnumConstants());
      return new ChoiceRule<>(
          path, meaning, defaultValue, List.copyOf(all), parse, spelling(defaultValue));
    }

    ChoiceRule<E> withDefaultDoc(String doc) {
      return new ChoiceRule<>(path, meaning, defaultValue, choices, parse, doc);
    }

    /** The constant named by {@code value}, or the default when absent. */
    public E resolve(String value) {
      return resolve(value, defaultValue);
    }

    /** As {@link #resolve(String)} with a default that depends on other fields. */
    public E resolve(String value, E defaultValue) {
      if (value == null) {
        return defaultValue;
      }
      try {
        return parse.apply(value);
      } catch (IllegalArgumentException e) {
        throw new InvalidRunConfigException(path, "'" + value + "'", rule());
      }
    }

    /** {@code be constant or cosine}, {@code be one of grpo, bnpo, dapo, dr_grpo}. */
    public String rule() {
      List<String> names = choices.stream().map(FieldRule::spelling).toList();
      return names.size() == 2
          ? "be " + names.get(0) + " or " + names.get(1)
          : "be one of " + String.join(", ", names);
    }

    @Override
    public String description() {
      String allowed = String.join(" | ", choices.stream().map(FieldRule::spelling).toList());
      return describe(meaning, allowed, defaultDoc);
    }
  }

  /** A switch. */
  record FlagRule(String path, String meaning, boolean defaultValue) implements FieldRule {
    public boolean resolve(Boolean value) {
      return value == null ? defaultValue : value;
    }

    @Override
    public String description() {
      return meaning + "; default " + defaultValue;
    }

    @Override
    public String typeRule() {
      return "be a whole number between " + Long.MIN_VALUE + " and " + Long.MAX_VALUE;
    }
  }

  /** A number without a range (seeds). */
  record LongRule(String path, String meaning, long defaultValue) implements FieldRule {
    public long resolve(Long value) {
      return value == null ? defaultValue : value;
    }

    @Override
    public String description() {
      return meaning + "; default " + defaultValue;
    }

    @Override
    public String typeRule() {
      return "be a whole number between " + Long.MIN_VALUE + " and " + Long.MAX_VALUE;
    }
  }

  /** A text of {@code 1..maxLength} characters after stripping surrounding blanks. */
  record TextRule(String path, String meaning, String defaultValue, int maxLength)
      implements FieldRule {
    public String resolve(String value) {
      String v = value == null ? defaultValue : value.strip();
      if (v.isEmpty() || v.length() > maxLength) {
        throw new InvalidRunConfigException(
            path, "'" + value + "'", "be 1.." + maxLength + " characters");
      }
      return v;
    }

    @Override
    public String description() {
      return describe(meaning, "1.." + maxLength + " characters", "'" + defaultValue + "'");
    }
  }

  /**
   * How a run config spells an enum constant: its lower-case name ({@code DR_GRPO} is {@code
   * dr_grpo}), in requests, in the stored run spec and in {@code GET /runs}.
   */
  static String spelling(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }
}
