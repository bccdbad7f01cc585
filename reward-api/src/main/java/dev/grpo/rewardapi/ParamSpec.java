package dev.grpo.rewardapi;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Declares one checker parameter: its name, type, default and the rules {@link Checker#validate}
 * enforces. Build with the factories and narrow with {@code atLeast}, {@code atMost}, {@code oneOf}
 * and {@code asRequired}:
 *
 * <pre>{@code
 * static final ParamSpec TOLERANCE =
 *     ParamSpec.number("tolerance", 0.0, "absolute tolerance; 0 means exact").atLeast(0);
 * }</pre>
 *
 * @param name the key in the reward spec's {@code params} map
 * @param type the JSON type accepted
 * @param defaultValue used when the spec leaves the parameter out; {@code null} for required ones
 *     and optional ones without default
 * @param description for humans ({@code GET /checkers})
 * @param min inclusive lower bound for numbers, or {@code null}
 * @param max inclusive upper bound for numbers, or {@code null}
 * @param allowed the allowed values of a string parameter, or an empty list for any
 * @param required whether the spec must give a value
 */
public record ParamSpec(
    String name,
    ParamType type,
    Object defaultValue,
    String description,
    Double min,
    Double max,
    List<String> allowed,
    boolean required) {

  /** The JSON types a parameter can have. */
  public enum ParamType {
    /** A JSON string. */
    STRING,
    /** Any finite JSON number. */
    NUMBER,
    /** A JSON number without fractional part. */
    INTEGER,
    /** {@code true} or {@code false}. */
    BOOLEAN,
    /** A JSON array of strings. */
    STRING_LIST,
    /** A JSON object. */
    OBJECT
  }

  /** Checks the name and copies the list. */
  public ParamSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    allowed = allowed == null ? List.of() : List.copyOf(allowed);
    description = description == null ? "" : description;
  }

  /** A finite number parameter. */
  public static ParamSpec number(String name, Double defaultValue, String description) {
    return new ParamSpec(
        name, ParamType.NUMBER, defaultValue, description, null, null, null, false);
  }

  /** An integer parameter. */
  public static ParamSpec integer(String name, Long defaultValue, String description) {
    return new ParamSpec(
        name, ParamType.INTEGER, defaultValue, description, null, null, null, false);
  }

  /** A boolean parameter. */
  public static ParamSpec bool(String name, boolean defaultValue, String description) {
    return new ParamSpec(
        name, ParamType.BOOLEAN, defaultValue, description, null, null, null, false);
  }

  /** A string parameter. */
  public static ParamSpec string(String name, String defaultValue, String description) {
    return new ParamSpec(
        name, ParamType.STRING, defaultValue, description, null, null, null, false);
  }

  /** A JSON-object parameter. */
  public static ParamSpec object(String name, String description) {
    return new ParamSpec(name, ParamType.OBJECT, null, description, null, null, null, false);
  }

  /** A copy with an inclusive lower bound. */
  public ParamSpec atLeast(double bound) {
    return new ParamSpec(name, type, defaultValue, description, bound, max, allowed, required);
  }

  /** A copy with an inclusive upper bound. */
  public ParamSpec atMost(double bound) {
    return new ParamSpec(name, type, defaultValue, description, min, bound, allowed, required);
  }

  /** A copy that accepts only the given strings. */
  public ParamSpec oneOf(String... values) {
    return new ParamSpec(
        name, type, defaultValue, description, min, max, List.of(values), required);
  }

  /** A copy that must be present in the spec. */
  public ParamSpec asRequired() {
    return new ParamSpec(name, type, null, description, min, max, allowed, true);
  }

  /**
   * Checks one value (or its absence) against this declaration.
   *
   * @throws InvalidCheckerParamsException naming this parameter, the value and the rule
   */
  public void check(Object value) {
    if (value == null) {
      if (required) {
        throw new InvalidCheckerParamsException(name, null, "given (it is required)");
      }
      return;
    }
    switch (type) {
      case STRING -> {
        if (!(value instanceof String s)) {
          throw new InvalidCheckerParamsException(name, value, "a string");
        }
        if (!allowed.isEmpty() && !allowed.contains(s)) {
          throw new InvalidCheckerParamsException(name, value, "one of " + allowed);
        }
      }
      case BOOLEAN -> {
        if (!(value instanceof Boolean)) {
          throw new InvalidCheckerParamsException(name, value, "true or false");
        }
      }
      case NUMBER, INTEGER -> {
        if (!(value instanceof Number n) || !Double.isFinite(n.doubleValue())) {
          throw new InvalidCheckerParamsException(name, value, "a finite number");
        }
        double d = n.doubleValue();
        if (type == ParamType.INTEGER && (d != Math.rint(d) || Math.abs(d) > 1e15)) {
          throw new InvalidCheckerParamsException(name, value, "an integer");
        }
        if (min != null && d < min) {
          throw new InvalidCheckerParamsException(name, value, ">= " + format(min));
        }
        if (max != null && d > max) {
          throw new InvalidCheckerParamsException(name, value, "<= " + format(max));
        }
      }
      case STRING_LIST -> {
        if (!(value instanceof List<?> list) || !list.stream().allMatch(String.class::isInstance)) {
          throw new InvalidCheckerParamsException(name, value, "a list of strings");
        }
      }
      case OBJECT -> {
        if (!(value instanceof Map<?, ?>)) {
          throw new InvalidCheckerParamsException(name, value, "a JSON object");
        }
      }
    }
  }

  private static String format(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }
}
