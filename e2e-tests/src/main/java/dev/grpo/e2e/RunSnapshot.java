package dev.grpo.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One reading of a run from the trainer's REST API: the run (status, accounting, config), its
 * steps, its held-out evaluations and its policy versions, as returned; plus the derived numbers
 * the progress line and the report show. Times are the trainer's own timestamps, so they measure
 * the run, not this client's polling.
 */
public record RunSnapshot(JsonNode run, JsonNode steps, JsonNode evals, JsonNode versions) {

  /** A value of a curve at a training step. */
  public record Point(int step, double value, double seconds) {}

  /** When a held-out accuracy first reached a target. */
  public record TargetHit(int step, double accuracy, double seconds) {}

  public RunSnapshot {
    if (run == null || !run.hasNonNull("id")) {
      throw new IllegalArgumentException("run must be a trainer RunView with an 'id', was " + run);
    }
  }

  public String runId() {
    return run.path("id").asText();
  }

  public String status() {
    return run.path("status").asText();
  }

  /** Whether the run will never train again (COMPLETED, STOPPED or FAILED). */
  public boolean terminal() {
    return switch (status()) {
      case "COMPLETED", "STOPPED", "FAILED" -> true;
      default -> false;
    };
  }

  public int completedSteps() {
    return run.path("completedSteps").asInt();
  }

  public int totalSteps() {
    return run.path("steps").asInt();
  }

  public long seed() {
    return run.path("config").path("seed").asLong();
  }

  public int maxStaleness() {
    return run.path("config").path("maxStaleness").asInt();
  }

  /** The run's group accounting: issued, inFlight, trained, dropped (by reason). */
  public JsonNode groups() {
    return run.path("groups");
  }

  public long groupsInFlight() {
    return groups().path("inFlight").asLong();
  }

  public Instant createdAt() {
    return instant(run.path("createdAt"));
  }

  /** Train reward mean per step. */
  public List<Point> rewardCurve() {
    List<Point> out = new ArrayList<>();
    for (JsonNode s : steps) {
      out.add(
          new Point(s.path("step").asInt(), s.path("rewardMean").asDouble(), secondsSinceStart(s)));
    }
    return out;
  }

  /**
   * The held-out checkers the trainer evaluated (a checker name per reward component, and
   * 'reward').
   */
  public List<String> evalCheckers() {
    List<String> out = new ArrayList<>();
    for (JsonNode e : evals) {
      String c = e.path("checker").asText();
      if (!out.contains(c)) {
        out.add(c);
      }
    }
    return out;
  }

  /**
   * The checker whose held-out score is reported as "eval accuracy": {@code preferred} when the
   * trainer evaluated it, else the mean total reward ('reward'), which every evaluation has.
   */
  public String evalChecker(String preferred) {
    return evalCheckers().contains(preferred) ? preferred : "reward";
  }

  /** Held-out accuracy of one checker per evaluated step. */
  public List<Point> evalCurve(String checker) {
    List<Point> out = new ArrayList<>();
    for (JsonNode e : evals) {
      if (e.path("checker").asText().equals(checker)) {
        out.add(
            new Point(e.path("step").asInt(), e.path("accuracy").asDouble(), secondsSinceStart(e)));
      }
    }
    return out;
  }

  /** The first evaluation of {@code checker} at or above {@code target}, if any. */
  public Optional<TargetHit> firstReaching(String checker, double target) {
    return evalCurve(checker).stream()
        .filter(p -> p.value() >= target)
        .findFirst()
        .map(p -> new TargetHit(p.step(), p.value(), p.seconds()));
  }

  /** Seconds from the run's creation to its latest step (0 before the first step). */
  public double trainingSeconds() {
    if (steps.isEmpty()) {
      return 0;
    }
    return secondsSinceStart(steps.get(steps.size() - 1));
  }

  /** Completed steps per second of training wall time. */
  public double stepsPerSecond() {
    double s = trainingSeconds();
    return s <= 0 ? 0 : steps.size() / s;
  }

  public long totalTokens() {
    long sum = 0;
    for (JsonNode s : steps) {
      sum += s.path("tokens").asLong();
    }
    return sum;
  }

  /**
   * Trained tokens per second of wall time over the last {@code window} steps (the pipeline's pace,
   * waiting included), from the steps' own timestamps.
   */
  public double recentTokensPerSecond(int window) {
    int n = steps.size();
    if (n < 2) {
      return n == 1 && trainingSeconds() > 0
          ? steps.get(0).path("tokens").asLong() / trainingSeconds()
          : 0;
    }
    int from = Math.max(0, n - 1 - window);
    double seconds = secondsSinceStart(steps.get(n - 1)) - secondsSinceStart(steps.get(from));
    long tokens = 0;
    for (int i = from + 1; i < n; i++) {
      tokens += steps.get(i).path("tokens").asLong();
    }
    return seconds <= 0 ? 0 : tokens / seconds;
  }

  /** Milliseconds summed over all steps: waiting for scored groups, computing, checkpointing. */
  public record StepTime(long waitMillis, long computeMillis, long checkpointMillis) {
    public long totalMillis() {
      return waitMillis + computeMillis + checkpointMillis;
    }

    /** Share of step wall time spent waiting on the pipeline, 0..1. */
    public double waitShare() {
      return totalMillis() == 0 ? 0 : (double) waitMillis / totalMillis();
    }
  }

  public StepTime stepTime() {
    long w = 0;
    long c = 0;
    long k = 0;
    for (JsonNode s : steps) {
      w += s.path("waitMillis").asLong();
      c += s.path("computeMillis").asLong();
      k += s.path("checkpointMillis").asLong();
    }
    return new StepTime(w, c, k);
  }

  /** Mean train reward over the first / last {@code n} steps (NaN without steps). */
  public double meanReward(boolean first, int n) {
    List<Point> curve = rewardCurve();
    if (curve.isEmpty()) {
      return Double.NaN;
    }
    List<Point> part =
        first
            ? curve.subList(0, Math.min(n, curve.size()))
            : curve.subList(Math.max(0, curve.size() - n), curve.size());
    return part.stream().mapToDouble(Point::value).average().orElse(Double.NaN);
  }

  /** The latest published policy version (checkpoint URI and sha256), if any. */
  public Optional<JsonNode> latestVersion() {
    return versions.isEmpty() ? Optional.empty() : Optional.of(versions.get(versions.size() - 1));
  }

  private double secondsSinceStart(JsonNode row) {
    Instant start = createdAt();
    Instant at = instant(row.path("createdAt"));
    return start == null || at == null ? 0 : Duration.between(start, at).toMillis() / 1000.0;
  }

  /**
   * Jackson writes Instants as ISO text, or as epoch seconds with a fraction when timestamps are
   * on.
   */
  static Instant instant(JsonNode n) {
    if (n == null || n.isMissingNode() || n.isNull()) {
      return null;
    }
    if (n.isNumber()) {
      BigDecimal seconds = n.decimalValue();
      long whole = seconds.longValue();
      long nanos = seconds.subtract(BigDecimal.valueOf(whole)).movePointRight(9).longValue();
      return Instant.ofEpochSecond(whole, nanos);
    }
    return Instant.parse(n.asText());
  }
}
