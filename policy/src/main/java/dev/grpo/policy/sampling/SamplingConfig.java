package dev.grpo.policy.sampling;

import java.util.List;

/**
 * How to sample completions.
 *
 * @param temperature logits are divided by it; 0 means greedy (argmax)
 * @param topP nucleus sampling: keep the most probable tokens whose cumulative probability first
 *     reaches topP (1 = off); in (0, 1]
 * @param topK keep the topK most probable tokens (0 = off; ties with the k-th are kept)
 * @param maxNewTokens at most this many completion tokens per prompt
 * @param stopStrings generation stops once the decoded completion contains one of them; the text is
 *     cut before it (the token ids keep the token that completed it)
 * @param stopTokenIds generation stops after one of these ids (the tokenizer's EOS always stops)
 * @param seed the same seed, prompts, model and config give the same completions
 */
public record SamplingConfig(
    double temperature,
    double topP,
    int topK,
    int maxNewTokens,
    List<String> stopStrings,
    List<Integer> stopTokenIds,
    long seed) {

  /** Validates every field; null lists become empty. */
  public SamplingConfig {
    if (!(temperature >= 0) || !Double.isFinite(temperature)) {
      throw new IllegalArgumentException(
          "temperature must be a finite number >= 0, was " + temperature);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("topP must be in (0, 1], was " + topP);
    }
    if (topK < 0) {
      throw new IllegalArgumentException("topK must be >= 0 (0 = off), was " + topK);
    }
    if (maxNewTokens < 1) {
      throw new IllegalArgumentException("maxNewTokens must be >= 1, was " + maxNewTokens);
    }
    stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
    stopTokenIds = stopTokenIds == null ? List.of() : List.copyOf(stopTokenIds);
    for (String s : stopStrings) {
      if (s.isEmpty()) {
        throw new IllegalArgumentException("stopStrings must not contain an empty string");
      }
    }
  }

  /** Plain sampling at temperature 1 with no truncation. */
  public static SamplingConfig ofTemperature(double temperature, int maxNewTokens, long seed) {
    return new SamplingConfig(temperature, 1.0, 0, maxNewTokens, List.of(), List.of(), seed);
  }

  /** Greedy decoding. */
  public static SamplingConfig greedy(int maxNewTokens) {
    return new SamplingConfig(0, 1.0, 0, maxNewTokens, List.of(), List.of(), 0);
  }
}
