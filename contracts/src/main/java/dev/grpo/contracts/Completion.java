package dev.grpo.contracts;

import java.util.Arrays;
import java.util.Objects;

/**
 * One sampled completion. The arrays are the bulk of the traffic; in JSON they travel packed (see
 * {@link TokenArrayEncoding}). The record copies the arrays it is given and its accessors return
 * the stored arrays without copying, for speed: callers must not modify them.
 *
 * @param index position in the group, 0 to G-1
 * @param text the decoded completion text
 * @param tokenIds the sampled token ids, each {@code >= 0}
 * @param logProbs behaviour log-probability of each sampled token under the sampling policy (after
 *     temperature and filtering), natural log, each finite and {@code <= 0}; same length as
 *     tokenIds
 * @param finishReason why generation ended
 */
public record Completion(
    int index, String text, int[] tokenIds, float[] logProbs, FinishReason finishReason) {

  public Completion {
    Require.atLeast("index", index, 0);
    Require.nonNull("text", text);
    Require.nonNull("tokenIds", tokenIds);
    Require.nonNull("logProbs", logProbs);
    Require.nonNull("finishReason", finishReason);
    if (tokenIds.length != logProbs.length) {
      throw new IllegalArgumentException(
          "tokenIds and logProbs must have the same length, were "
              + tokenIds.length
              + " and "
              + logProbs.length);
    }
    tokenIds = tokenIds.clone();
    logProbs = logProbs.clone();
    for (int i = 0; i < tokenIds.length; i++) {
      if (tokenIds[i] < 0) {
        throw new IllegalArgumentException("tokenIds[" + i + "] must be >= 0, was " + tokenIds[i]);
      }
      // Written so that NaN fails too.
      if (!(logProbs[i] <= 0f) || logProbs[i] == Float.NEGATIVE_INFINITY) {
        throw new IllegalArgumentException(
            "logProbs[" + i + "] must be finite and <= 0, was " + logProbs[i]);
      }
    }
  }

  /** Number of generated tokens. */
  public int length() {
    return tokenIds.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Completion c
        && index == c.index
        && text.equals(c.text)
        && Arrays.equals(tokenIds, c.tokenIds)
        && Arrays.equals(logProbs, c.logProbs)
        && finishReason == c.finishReason;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        index, text, Arrays.hashCode(tokenIds), Arrays.hashCode(logProbs), finishReason);
  }

  @Override
  public String toString() {
    return "Completion[index="
        + index
        + ", text="
        + abbreviate(text)
        + ", tokens="
        + tokenIds.length
        + ", tokenIds="
        + head(Arrays.toString(tokenIds))
        + ", logProbs="
        + head(Arrays.toString(logProbs))
        + ", finishReason="
        + finishReason
        + "]";
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? '"' + s + '"' : '"' + s.substring(0, 77) + "...\"";
  }

  private static String head(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }
}
