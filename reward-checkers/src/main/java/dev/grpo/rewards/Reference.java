package dev.grpo.rewards;

import dev.grpo.rewardapi.CheckInput;
import java.util.function.Function;

/**
 * What a checker judges a sample against, read in its opening step ({@link
 * BuiltinChecker#reference}): the task's verification data (a gold answer, tests, a schema) or a
 * measurement it needs (a length in tokens); or why the sample cannot be judged, which makes it not
 * applicable.
 *
 * @param <R> what the checker needs
 */
sealed interface Reference<R> {
  /** {@link #goldAnswer} without a gold answer. */
  String NO_GOLD_ANSWER = "verification.answer is missing";

  /** The reference is there. */
  record Present<R>(R value) implements Reference<R> {}

  /** It is not: the sample is not applicable, for this reason. */
  record Missing<R>(String reason) implements Reference<R> {}

  static <R> Reference<R> of(R value) {
    return new Present<>(value);
  }

  static <R> Reference<R> missing(String reason) {
    return new Missing<>(reason);
  }

  /** For a checker that needs nothing besides the completion. */
  static Reference<Void> none() {
    return new Present<>(null);
  }

  /**
   * The gold answer as text ({@link ModelText#goldAnswer}, key {@code answer}), or missing with
   * {@link #NO_GOLD_ANSWER}: the rule every gold-answer checker starts with.
   */
  static Reference<String> goldAnswer(CheckInput input) {
    String gold = ModelText.goldAnswer(input, "answer");
    return gold == null ? missing(NO_GOLD_ANSWER) : of(gold);
  }

  /** The next step of reading a present reference (e.g. parsing it); a missing one stays so. */
  default <S> Reference<S> then(Function<R, Reference<S>> next) {
    if (this instanceof Present<R> p) {
      return next.apply(p.value());
    }
    return missing(((Missing<R>) this).reason());
  }
}
