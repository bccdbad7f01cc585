package dev.grpo.trainer.rest;

import dev.grpo.trainer.run.RunRequest;
import dev.grpo.trainer.run.RunSpec;
import java.time.Instant;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Response bodies of the runs API. */
public final class RunViews {
  private RunViews() {}

  /**
   * A run with its progress and group accounting (issued / in flight / trained / dropped by
   * reason), and its complete config: the run spec, which has the shape of a request with every
   * field present.
   */
  public record RunView(
      String id,
      String name,
      String status,
      int completedSteps,
      int steps,
      long currentVersion,
      int checkpointStep,
      String error,
      Instant createdAt,
      Instant updatedAt,
      Map<String, Object> groups,
      @Schema(implementation = RunRequest.class) RunSpec config) {}

  /** One training step. */
  public record StepView(
      int step,
      long policyVersion,
      double loss,
      double rewardMean,
      double rewardStd,
      double kl,
      double clipFracLow,
      double clipFracHigh,
      double entropy,
      double gradNorm,
      double learningRate,
      long tokens,
      int groups,
      double stalenessMean,
      long waitMillis,
      long computeMillis,
      long checkpointMillis,
      Map<String, Double> metrics,
      Instant createdAt) {}

  /** One published policy version. */
  public record VersionView(
      long version, long step, String checkpointUri, String sha256, Instant createdAt) {}

  /** Held-out accuracy of one checker at one step. */
  public record EvalView(
      int step, String checker, double accuracy, int examples, Instant createdAt) {}

  /**
   * A 4xx (or 503) answer: the message, the field ({@code $} for the body as a whole), the value
   * and the rule it breaks. {@code error} repeats {@code message} for clients of the first API.
   */
  public record ErrorView(
      int status, String message, String error, String field, String value, String rule) {
    public ErrorView(int status, String message, String field, String value, String rule) {
      this(status, message, message, field, value, rule);
    }
  }
}
