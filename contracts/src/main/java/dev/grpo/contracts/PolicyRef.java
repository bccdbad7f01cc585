package dev.grpo.contracts;

/**
 * Names a policy version: in a {@link PromptTask}, the oldest version a worker should sample with
 * (and where the run's initial policy lives).
 *
 * @param version policy version, {@code >= 0} (0 is the run's initial policy)
 * @param checkpointUri where the checkpoint of that version lives; optional, null when unknown to
 *     the sender
 * @param sha256 hex SHA-256 of the checkpoint's weights file; optional, null when unknown
 */
public record PolicyRef(
    long version, @OptionalField String checkpointUri, @OptionalField String sha256) {
  public PolicyRef {
    Require.atLeast("version", version, 0);
    if (checkpointUri != null) {
      Require.nonBlank("checkpointUri", checkpointUri);
    }
    if (sha256 != null) {
      Sha256.check("sha256", sha256);
    }
  }
}
