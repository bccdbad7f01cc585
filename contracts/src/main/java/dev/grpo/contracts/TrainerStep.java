package dev.grpo.contracts;

import java.time.Instant;
import java.util.Map;

/**
 * Metrics of one finished trainer step. Topic {@link Topics#STEPS}, key {@code runId}. Idempotency
 * key: {@code (runId, step)}.
 *
 * @param schemaVersion contract version, {@link Contracts#SCHEMA_VERSION}
 * @param runId the training run
 * @param step the step number, {@code >= 0}
 * @param policyVersion the policy version the step produced, {@code >= 0}
 * @param metrics metric name to value (e.g. {@code "loss"}, {@code "reward/mean"}); values finite,
 *     because JSON has no NaN: a step whose loss is not finite is a failed step, not a metric
 * @param createdAt when the step finished
 */
public record TrainerStep(
    int schemaVersion,
    String runId,
    long step,
    long policyVersion,
    Map<String, Double> metrics,
    Instant createdAt) {

  public TrainerStep {
    Require.schemaVersion(schemaVersion);
    Require.nonBlank("runId", runId);
    Require.atLeast("step", step, 0);
    Require.atLeast("policyVersion", policyVersion, 0);
    metrics = Require.finiteValues("metrics", metrics, false);
    Require.nonNull("createdAt", createdAt);
  }
}
