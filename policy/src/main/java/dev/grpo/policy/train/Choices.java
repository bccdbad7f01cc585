package dev.grpo.policy.train;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Reads the lower-case spelling of the loss options' enums ({@code token_truncate}). */
final class Choices {
  private Choices() {}

  /** The constant spelled {@code name} (any case, '-' or '_'), else an error naming the field. */
  static <E extends Enum<E>> E parse(Class<E> type, String field, String name) {
    if (name != null) {
      String n = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
      for (E e : type.getEnumConstants()) {
        if (e.name().equals(n)) {
          return e;
        }
      }
    }
    throw new IllegalArgumentException(
        field + " must be one of " + spellings(type) + ", was " + name);
  }

  /** {@code a, b, c}: the accepted spellings. */
  static <E extends Enum<E>> String spellings(Class<E> type) {
    return Arrays.stream(type.getEnumConstants())
        .map(e -> e.name().toLowerCase(Locale.ROOT))
        .collect(Collectors.joining(", "));
  }
}
