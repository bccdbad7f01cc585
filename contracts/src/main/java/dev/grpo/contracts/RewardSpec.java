package dev.grpo.contracts;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.HashSet;
import java.util.List;
import java.util.function.Predicate;

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

  /** The entries scored outside the reward service (topic parts and HTTP scorers), in order. */
  public List<CheckerSpec> externalParts() {
    return checkers.stream().filter(CheckerSpec::isExternal).toList();
  }

  /** The entries a part arrives on {@link Topics#REWARD_PARTS} for, in order. */
  public List<CheckerSpec> topicParts() {
    return externalParts().stream().filter(via(ExternalPart.Via.TOPIC)).toList();
  }

  /** The entries scored by calling an HTTP endpoint, in order. */
  public List<CheckerSpec> httpParts() {
    return externalParts().stream().filter(via(ExternalPart.Via.HTTP)).toList();
  }

  /** True when every entry is a built-in or plug-in checker (the direct scoring path). */
  @JsonIgnore
  public boolean isBuiltInOnly() {
    return checkers.stream().noneMatch(CheckerSpec::isExternal);
  }

  private static Predicate<CheckerSpec> via(ExternalPart.Via via) {
    return c -> c.external().via() == via;
  }
}
