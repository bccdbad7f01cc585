package dev.grpo.contracts;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * One reward checker and its weight in the total reward of a completion.
 *
 * @param name the checker's registered name (e.g. {@code "exact_match"}), or the name under which a
 *     custom reward service publishes {@link RewardPart}s
 * @param weight factor applied to the checker's score in the weighted sum; finite, may be negative
 * @param params checker-specific settings as JSON values (for an HTTP part in the {@code grpo}
 *     format: sent with every request); optional, default empty
 * @param external set when the part is scored outside the reward service (a topic part or an HTTP
 *     scorer), then {@code name} is the part's name, not a built-in checker's; optional, default
 *     null (a built-in or plug-in checker)
 */
public record CheckerSpec(
    String name,
    double weight,
    @OptionalField Map<String, Object> params,
    // Absent, not null, in a stored built-in spec: specs written before external parts read the
    // same.
    @JsonInclude(JsonInclude.Include.NON_NULL) @OptionalField ExternalPart external) {
  public CheckerSpec {
    Require.nonBlank("name", name);
    Require.finite("weight", weight);
    params = Require.optionalMap("params", params);
  }

  /** A built-in or plug-in checker. */
  public CheckerSpec(String name, double weight, Map<String, Object> params) {
    this(name, weight, params, null);
  }

  /** True when the part is scored outside the reward service's checkers. */
  @JsonIgnore
  public boolean isExternal() {
    return external != null;
  }
}
