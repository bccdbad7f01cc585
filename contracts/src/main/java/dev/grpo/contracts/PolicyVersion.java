package dev.grpo.contracts;

import java.time.Instant;

/**
 * A new policy checkpoint is ready. Topic {@link Topics#POLICY} (compacted), key {@code runId}, so
 * the topic keeps the latest version of every run. Weights never travel through Kafka.
 *
 * @param schemaVersion contract version, {@link Contracts#SCHEMA_VERSION}
 * @param runId the training run
 * @param version policy version, {@code >= 0}, strictly increasing within a run
 * @param step the trainer step after which the checkpoint was taken, {@code >= 0}
 * @param checkpointUri where the checkpoint lives (e.g. {@code file:/...}, {@code s3://...})
 * @param sha256 hex SHA-256 of the checkpoint's weights file, so loaders can verify what they read
 * @param createdAt when the checkpoint was written
 */
public record PolicyVersion(
    int schemaVersion,
    String runId,
    long version,
    long step,
    String checkpointUri,
    String sha256,
    Instant createdAt) {

  public PolicyVersion {
    Require.schemaVersion(schemaVersion);
    Require.nonBlank("runId", runId);
    Require.atLeast("version", version, 0);
    Require.atLeast("step", step, 0);
    Require.nonBlank("checkpointUri", checkpointUri);
    Sha256.check("sha256", sha256);
    Require.nonNull("createdAt", createdAt);
  }
}
