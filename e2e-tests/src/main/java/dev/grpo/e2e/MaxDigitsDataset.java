package dev.grpo.e2e;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The demo task as a JSONL prompt file for the trainer's {@code dataset.jsonlPath}: every string of
 * exactly {@code digits} digits ({@code 0000}..{@code 9999} for 4, leading zeros included), prompt
 * {@code "max 4170="}, gold answer the largest digit ({@code "7"}). The trainer holds out
 * {@code eval.size} lines by a seeded shuffle and never trains on them (nor on any line with the
 * same prompt text).
 *
 * <p>Chance levels for 4 digits: a uniform guess 0.10; always answering 9 scores 1 - 0.9^4 = 0.344,
 * the best any prompt-ignoring policy can do.
 */
public final class MaxDigitsDataset {
  static final int MIN_DIGITS = 1;
  static final int MAX_DIGITS = 6;

  private MaxDigitsDataset() {}

  /** Writes the file (replacing one that exists) and returns the number of lines. */
  public static int write(Path file, int digits) throws IOException {
    if (digits < MIN_DIGITS || digits > MAX_DIGITS) {
      throw new IllegalArgumentException("maxDigitsTask.digits must be between " + MIN_DIGITS + " and " + MAX_DIGITS
          + ", was " + digits);
    }
    int count = (int) Math.pow(10, digits);
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path partial = file.resolveSibling(file.getFileName() + ".partial");
    try (Writer w = Files.newBufferedWriter(partial, StandardCharsets.UTF_8)) {
      for (int v = 0; v < count; v++) {
        String s = String.format("%0" + digits + "d", v);
        w.write("{\"id\":\"max-" + s + "\",\"prompt\":\"max " + s + "=\",\"verification\":{\"answer\":\"" + maxDigit(s)
            + "\"}}\n");
      }
    }
    // Rename, so a trainer never reads a half-written file.
    Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return count;
  }

  static char maxDigit(String digits) {
    char max = '0';
    for (char c : digits.toCharArray()) {
      max = c > max ? c : max;
    }
    return max;
  }
}
