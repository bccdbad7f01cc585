package dev.grpo.e2e;

import java.util.List;
import java.util.Locale;

/**
 * The one-line terminal view of a run: step, train reward mean, held-out accuracy, tokens/s, groups
 * in flight, elapsed time and an ETA. The ETA extrapolates the run's own mean step time (from the
 * trainer's timestamps) over the remaining steps.
 */
public final class ProgressLine {
  /** Steps the tokens/s figure averages over, so one slow step does not make it jump. */
  static final int TOKENS_WINDOW_STEPS = 5;

  private ProgressLine() {}

  /** Formats the line for a snapshot; {@code evalChecker} is the checker shown as eval accuracy. */
  public static String format(RunSnapshot s, String evalChecker) {
    var reward = s.rewardCurve();
    List<RunSnapshot.Point> eval = s.evalCurve(s.evalChecker(evalChecker));
    String rewardText = reward.isEmpty() ? "  -  " : fixed(reward.get(reward.size() - 1).value());
    String evalText =
        eval.isEmpty()
            ? "  -  "
            : fixed(eval.get(eval.size() - 1).value()) + " @" + eval.get(eval.size() - 1).step();
    double elapsed = s.trainingSeconds();
    int done = s.completedSteps();
    int total = s.totalSteps();
    String eta =
        done == 0 || elapsed <= 0 ? "--:--" : clock(elapsed / done * Math.max(0, total - done));
    return String.format(
        Locale.ROOT,
        "step %d/%d | reward %s | eval %s %s | %,.0f tok/s | in flight %d | %s elapsed | ETA %s |"
            + " %s",
        done,
        total,
        rewardText,
        s.evalChecker(evalChecker),
        evalText,
        s.recentTokensPerSecond(TOKENS_WINDOW_STEPS),
        s.groupsInFlight(),
        clock(elapsed),
        eta,
        s.status());
  }

  static String fixed(double v) {
    return String.format(Locale.ROOT, "%.3f", v);
  }

  /** m:ss, or h:mm:ss from an hour. */
  static String clock(double seconds) {
    long t = Math.round(seconds);
    return t >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60)
        : String.format(Locale.ROOT, "%d:%02d", t / 60, t % 60);
  }
}
