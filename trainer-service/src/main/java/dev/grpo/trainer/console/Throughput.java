package dev.grpo.trainer.console;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Trained tokens per second over the last steps: the tokens of the newest {@code window} steps
 * divided by the time from the step before them to the newest, so waiting for data counts (the rate
 * the whole pipeline sustains, not the rate of the step's arithmetic).
 */
public final class Throughput {
  /** One step: when it was recorded and how many completion tokens it trained on. */
  public record StepPoint(Instant at, long tokens) {}

  private Throughput() {}

  /** 0 with fewer than two steps or no elapsed time. Steps oldest first. */
  public static double tokensPerSecond(List<StepPoint> steps, int window) {
    if (window < 1) {
      throw new IllegalArgumentException("window must be >= 1, was " + window);
    }
    if (steps.size() < 2) {
      return 0.0;
    }
    int n = Math.min(window, steps.size() - 1);
    var from = steps.get(steps.size() - 1 - n).at();
    var to = steps.get(steps.size() - 1).at();
    long tokens = 0;
    for (int i = steps.size() - n; i < steps.size(); i++) {
      tokens += steps.get(i).tokens();
    }
    double seconds = Duration.between(from, to).toMillis() / 1000.0;
    return seconds <= 0 ? 0.0 : tokens / seconds;
  }
}
