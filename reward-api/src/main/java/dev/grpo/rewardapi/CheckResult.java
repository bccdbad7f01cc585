package dev.grpo.rewardapi;

import java.util.Objects;

/**
 * The outcome of one {@link Checker#check}: either a score with a reason, or "not applicable",
 * which makes the reward service mark the completion as skipped.
 */
public sealed interface CheckResult {

  /** Why this result was given; shown to humans in sample browsers and logs. */
  String reason();

  /**
   * A score with its reason. Most checkers score in [0, 1]; penalties (overlong, repetition) are in
   * [-1, 0]. The score must be finite.
   *
   * @param score the score, finite
   * @param reason why, never blank
   */
  record Scored(double score, String reason) implements CheckResult {
    /** Rejects non-finite scores and missing reasons, which would poison a training batch. */
    public Scored {
      if (!Double.isFinite(score)) {
        throw new IllegalArgumentException("score must be finite, was " + score);
      }
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * This checker cannot judge this sample (for example the task has no gold answer); the service
   * marks the completion as skipped rather than inventing a score.
   *
   * @param reason why, never blank
   */
  record NotApplicable(String reason) implements CheckResult {
    /** Requires a reason. */
    public NotApplicable {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /** Shorthand for {@code new Scored(score, reason)}. */
  static CheckResult scored(double score, String reason) {
    return new Scored(score, reason);
  }

  /** Shorthand for {@code new NotApplicable(reason)}. */
  static CheckResult notApplicable(String reason) {
    return new NotApplicable(reason);
  }
}
