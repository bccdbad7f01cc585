package dev.grpo.rewardapi;

import dev.grpo.contracts.CheckerSpec;
import dev.grpo.contracts.RewardSpec;
import java.util.HashMap;
import java.util.Map;

/**
 * Validates a weighted {@link RewardSpec} against the checkers of a {@link CheckerRegistry} before
 * any scoring. Rules:
 *
 * <ul>
 *   <li>at least one and at most {@value #MAX_CHECKERS} checkers;
 *   <li>every name appears once (components are keyed by name);
 *   <li>an entry without {@code external} names a registered checker; an entry with {@code
 *       external} (a topic part or an HTTP scorer, whose own fields the contract record checks:
 *       via, url, timeoutMillis range) must not use a registered checker's name, so a component
 *       always says where its score came from;
 *   <li>every weight is finite, and the weights sum to more than 0 (a spec whose weights cancel or
 *       point down rewards nothing and would train backwards);
 *   <li>every checker accepts its params ({@link Checker#validate}).
 * </ul>
 *
 * Errors name the field by path, e.g. {@code rewardSpec.checkers[1].params.tolerance must be >= 0,
 * was -1}.
 */
public final class RewardSpecValidator {
  /** More checkers than this in one spec is a mistake, and bounds the work per completion. */
  public static final int MAX_CHECKERS = 32;

  private final CheckerRegistry registry;

  /** Validates against the checkers of {@code registry}. */
  public RewardSpecValidator(CheckerRegistry registry) {
    this.registry = registry;
  }

  /** Validates with field paths starting at {@code rewardSpec}. */
  public void validate(RewardSpec spec) {
    validate(spec, "rewardSpec");
  }

  /**
   * Validates with field paths starting at {@code path} (e.g. {@code task.rewardSpec}).
   *
   * @throws InvalidRewardSpecException naming the field, the value and the rule
   */
  public void validate(RewardSpec spec, String path) {
    if (spec == null) {
      throw fail(path, path + " must be given, was missing");
    }
    var checkers = spec.checkers();
    if (checkers == null || checkers.isEmpty()) {
      throw fail(path + ".checkers", path + ".checkers must name at least one checker, was empty");
    }
    if (checkers.size() > MAX_CHECKERS) {
      throw fail(
          path + ".checkers",
          path
              + ".checkers must have at most "
              + MAX_CHECKERS
              + " entries, was "
              + checkers.size());
    }
    var firstIndexByName = new HashMap<String, Integer>();
    double weightSum = 0;
    for (int i = 0; i < checkers.size(); i++) {
      var at = path + ".checkers[" + i + "]";
      CheckerSpec entry = checkers.get(i);
      if (entry == null) {
        throw fail(at, at + " must be a checker entry, was null");
      }
      var name = entry.name();
      if (name == null || name.isBlank()) {
        throw fail(at + ".name", at + ".name must name a checker, was missing");
      }
      var checker = registry.find(name);
      if (entry.isExternal()) {
        if (checker.isPresent()) {
          throw fail(
              at + ".name",
              at
                  + ".name of an external part must not be a registered checker's name, was \""
                  + name
                  + "\"");
        }
      } else if (checker.isEmpty()) {
        throw fail(
            at + ".name",
            at
                + ".name must be a known checker (one of "
                + registry.names()
                + "), was \""
                + InvalidCheckerParamsException.describe(name).replace("\"", "")
                + "\"");
      }
      var previous = firstIndexByName.putIfAbsent(name, i);
      if (previous != null) {
        throw fail(
            at + ".name",
            at
                + ".name must be unique in the spec (components are keyed by checker name), was \""
                + name
                + "\" again (also at checkers["
                + previous
                + "])");
      }
      double weight = entry.weight();
      if (!Double.isFinite(weight)) {
        throw fail(at + ".weight", at + ".weight must be a finite number, was " + weight);
      }
      weightSum += weight;
      if (entry.isExternal()) {
        continue;
      }
      Map<String, Object> params = entry.params() == null ? Map.of() : entry.params();
      try {
        checker.get().validate(params);
      } catch (InvalidCheckerParamsException e) {
        throw fail(at + ".params." + e.param(), at + "." + e.getMessage());
      }
    }
    if (!(weightSum > 0)) {
      throw fail(
          path + ".checkers", path + ".checkers weights must sum to more than 0, was " + weightSum);
    }
  }

  private static InvalidRewardSpecException fail(String field, String message) {
    return new InvalidRewardSpecException(field, message);
  }
}
