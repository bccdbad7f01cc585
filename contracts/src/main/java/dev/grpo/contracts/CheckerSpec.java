package dev.grpo.contracts;

import java.util.Map;

/**
 * One reward checker and its weight in the total reward of a completion.
 *
 * @param name the checker's registered name (e.g. {@code "exact_match"}), or the name under which a
 *     custom reward service publishes {@link RewardPart}s
 * @param weight factor applied to the checker's score in the weighted sum; finite, may be negative
 * @param params checker-specific settings as JSON values; optional, default empty
 */
public record CheckerSpec(String name, double weight, @OptionalField Map<String, Object> params) {
  public CheckerSpec {
    Require.nonBlank("name", name);
    Require.finite("weight", weight);
    params = Require.optionalMap("params", params);
  }
}
