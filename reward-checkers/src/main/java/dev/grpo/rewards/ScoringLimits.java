package dev.grpo.rewards;

/**
 * Time limits of {@link GroupScorer}.
 *
 * @param perCompletionMillis wall-clock limit for all checkers of one completion, counted from when
 *     it starts running
 * @param perGroupMillis wall-clock budget for the whole group, counted from the call
 */
public record ScoringLimits(long perCompletionMillis, long perGroupMillis) {
  /** 10 s per completion (a few sandboxed tests), 60 s per group. */
  public static final ScoringLimits DEFAULTS = new ScoringLimits(10_000, 60_000);

  /** Rejects non-positive limits. */
  public ScoringLimits {
    if (perCompletionMillis <= 0) {
      throw new IllegalArgumentException(
          "perCompletionMillis must be > 0, was " + perCompletionMillis);
    }
    if (perGroupMillis <= 0) {
      throw new IllegalArgumentException("perGroupMillis must be > 0, was " + perGroupMillis);
    }
  }
}
