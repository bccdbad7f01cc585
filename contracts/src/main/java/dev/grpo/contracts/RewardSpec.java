package dev.grpo.contracts;

import java.util.HashSet;
import java.util.List;

/**
 * How a completion is scored: the weighted sum of the named checkers. Travels with the prompt so
 * that the reward service holds no run state.
 *
 * @param checkers at least one checker, names unique
 */
public record RewardSpec(List<CheckerSpec> checkers) {
  public RewardSpec {
    checkers = Require.list("checkers", checkers);
    if (checkers.isEmpty()) {
      throw new IllegalArgumentException("checkers must name at least one checker, was empty");
    }
    var seen = new HashSet<String>();
    for (var c : checkers) {
      if (!seen.add(c.name())) {
        throw new IllegalArgumentException(
            "checkers must have unique names, '" + c.name() + "' repeats");
      }
    }
  }
}
