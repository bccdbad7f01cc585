package dev.grpo.trainer.tasks;

import dev.grpo.contracts.RewardSpec;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A built-in synthetic task: draws prompts with their gold answers from a seeded random stream.
 *
 * <p>Adding a task is a one-class change: implement this interface in a class annotated
 * {@code @jakarta.inject.Singleton} (or any bean scope) in this package or anywhere on the
 * trainer's classpath; {@link TaskGenerators} finds it by {@link #name()}.
 *
 * <p>Determinism: {@link #generate} must draw only from the given random stream, so the same seed
 * gives the same prompts on every machine (the train/eval split and resume depend on it).
 */
public interface TaskGenerator {

  /** The name runs select it by, e.g. {@code digit_reverse}. */
  String name();

  /** One line for the API documentation. */
  String description();

  /**
   * Checks the generator's parameters from the run config ({@code dataset.params}).
   *
   * @throws IllegalArgumentException with a message "{@code <param> must ..., was <value>}"
   */
  default void validate(Map<String, Object> params) {}

  /** Draws one example; {@code params} were validated by {@link #validate}. */
  TaskExample generate(SplittableRandom rng, Map<String, Object> params);

  /** The reward spec a run uses when its config gives none. */
  RewardSpec defaultRewardSpec();

  /**
   * A completion length that fits the task's answers (with room for EOS), used when the run config
   * gives none.
   */
  int defaultMaxNewTokens(Map<String, Object> params);

  /** Reads an int parameter with a default, checking its range. */
  static int intParam(Map<String, Object> params, String name, int defaultValue, int min, int max) {
    Object v = params == null ? null : params.get(name);
    if (v == null) {
      return defaultValue;
    }
    if (!(v instanceof Integer || v instanceof Long || v instanceof Short)) {
      throw new IllegalArgumentException(
          name + " must be an integer in [" + min + ", " + max + "], was " + v);
    }
    long x = ((Number) v).longValue();
    if (x < min || x > max) {
      throw new IllegalArgumentException(
          name + " must be an integer in [" + min + ", " + max + "], was " + v);
    }
    return (int) x;
  }

  /**
   * Rejects parameter names the generator does not know (a typo must not silently fall back to a
   * default).
   */
  static void onlyKnown(Map<String, Object> params, java.util.Set<String> known) {
    if (params == null) {
      return;
    }
    for (String k : params.keySet()) {
      if (!known.contains(k)) {
        throw new IllegalArgumentException(
            k
                + " must be one of the known parameters "
                + new java.util.TreeSet<>(known)
                + ", was given");
      }
    }
  }
}
