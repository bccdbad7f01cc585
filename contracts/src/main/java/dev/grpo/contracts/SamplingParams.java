package dev.grpo.contracts;

import java.util.List;

/**
 * How a rollout worker samples the completions of one prompt.
 *
 * @param temperature softmax temperature, {@code > 0}; greedy decoding is requested with {@code
 *     topK = 1}
 * @param topP nucleus mass in {@code (0, 1]}; 1 disables nucleus filtering
 * @param topK keep only the k most likely tokens, {@code >= 0}; 0 disables top-k filtering
 * @param maxNewTokens most tokens generated per completion, 1 to {@link Contracts#MAX_NEW_TOKENS}
 * @param stopStrings generation of a completion ends after any of these strings; optional, default
 *     empty
 * @param seed seed of the sampler, so that a group can be regenerated
 */
public record SamplingParams(
    double temperature,
    double topP,
    int topK,
    int maxNewTokens,
    @OptionalField List<String> stopStrings,
    long seed) {

  public SamplingParams {
    if (!(temperature > 0) || !Double.isFinite(temperature)) {
      throw new IllegalArgumentException(
          "temperature must be a finite number > 0 (use topK=1 for greedy), was " + temperature);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("topP must be in (0, 1], was " + topP);
    }
    if (topK < 0) {
      throw new IllegalArgumentException("topK must be >= 0 (0 = off), was " + topK);
    }
    Require.between("maxNewTokens", maxNewTokens, 1, Contracts.MAX_NEW_TOKENS);
    stopStrings = Require.optionalList("stopStrings", stopStrings);
    for (int i = 0; i < stopStrings.size(); i++) {
      if (stopStrings.get(i).isEmpty()) {
        throw new IllegalArgumentException("stopStrings[" + i + "] must not be empty");
      }
    }
  }
}
