package dev.grpo.contracts;

import java.util.regex.Pattern;

/** The one textual form of a checksum in the contract: 64 lower-case hex digits. */
final class Sha256 {
  private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

  private Sha256() {}

  static String check(String field, String value) {
    if (value == null || !HEX64.matcher(value).matches()) {
      throw new IllegalArgumentException(
          field
              + " must be 64 lower-case hex digits, was "
              + (value == null ? "null" : "'" + value + "'"));
    }
    return value;
  }
}
