package dev.grpo.contracts;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Invariant checks shared by the event records; messages name the field, the value and the rule.
 */
final class Require {
  private Require() {}

  static <T> T nonNull(String field, T value) {
    if (value == null) {
      throw new IllegalArgumentException(field + " must not be null");
    }
    return value;
  }

  static String nonBlank(String field, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(
          field
              + " must be a non-blank string, was "
              + (value == null ? "null" : "'" + value + "'"));
    }
    return value;
  }

  static int schemaVersion(int value) {
    if (value < 1 || value > Contracts.SCHEMA_VERSION) {
      throw new IllegalArgumentException(
          "schemaVersion must be between 1 and " + Contracts.SCHEMA_VERSION + ", was " + value);
    }
    return value;
  }

  static int between(String field, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          field + " must be between " + min + " and " + max + ", was " + value);
    }
    return value;
  }

  static long atLeast(String field, long value, long min) {
    if (value < min) {
      throw new IllegalArgumentException(field + " must be >= " + min + ", was " + value);
    }
    return value;
  }

  static double finite(String field, double value) {
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException(field + " must be a finite number, was " + value);
    }
    return value;
  }

  static <T> List<T> list(String field, List<T> value) {
    nonNull(field, value);
    for (int i = 0; i < value.size(); i++) {
      if (value.get(i) == null) {
        throw new IllegalArgumentException(field + "[" + i + "] must not be null");
      }
    }
    return List.copyOf(value);
  }

  static <T> List<T> optionalList(String field, List<T> value) {
    return value == null ? List.of() : list(field, value);
  }

  /** Copies a map, keeping its order so that the same event always encodes to the same bytes. */
  static <V> Map<String, V> map(String field, Map<String, V> value) {
    nonNull(field, value);
    var copy = new LinkedHashMap<String, V>(value.size() * 2);
    for (var e : value.entrySet()) {
      if (e.getKey() == null) {
        throw new IllegalArgumentException(field + " must not contain a null key");
      }
      if (e.getValue() == null) {
        throw new IllegalArgumentException(
            field + "." + e.getKey() + " must not be null (leave the key out instead)");
      }
      copy.put(e.getKey(), e.getValue());
    }
    return Collections.unmodifiableMap(copy);
  }

  static <V> Map<String, V> optionalMap(String field, Map<String, V> value) {
    return value == null ? Map.of() : map(field, value);
  }

  static Map<String, Double> finiteValues(
      String field, Map<String, Double> value, boolean optional) {
    Map<String, Double> copy = optional ? optionalMap(field, value) : map(field, value);
    copy.forEach((k, v) -> finite(field + "." + k, v));
    return copy;
  }
}
