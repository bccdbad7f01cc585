package dev.grpo.contracts;

import java.util.Map;

/**
 * The reward of one completion.
 *
 * @param index the completion's position in its group, {@code >= 0}
 * @param total the weighted sum of the components, finite
 * @param components unweighted score per checker name, finite; optional, default empty
 * @param reasons a short human-readable reason per checker name; optional, default empty
 * @param skipped true when a checker said the completion is not applicable (e.g. no verification
 *     data); the trainer then leaves it out of the group's statistics instead of treating {@code
 *     total} as a real reward
 */
public record CompletionScore(
    int index,
    double total,
    @OptionalField Map<String, Double> components,
    @OptionalField Map<String, String> reasons,
    boolean skipped) {

  public CompletionScore {
    Require.atLeast("index", index, 0);
    Require.finite("total", total);
    components = Require.finiteValues("components", components, true);
    reasons = Require.optionalMap("reasons", reasons);
  }
}
