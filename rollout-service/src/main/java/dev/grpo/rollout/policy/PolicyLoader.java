package dev.grpo.rollout.policy;

import ai.djl.Device;
import dev.grpo.policy.checkpoint.HfCheckpoint;
import dev.grpo.policy.checkpoint.LoadedCheckpoint;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Resolves a checkpoint URI through the stores, verifies its sha256 and loads it onto the device.
 */
public final class PolicyLoader {
  private final List<CheckpointStore> stores;
  private final Device device;

  public PolicyLoader(List<CheckpointStore> stores, Device device) {
    this.stores = List.copyOf(stores);
    this.device = device;
  }

  /**
   * Loads one checkpoint.
   *
   * @param expectedSha256 hex digest the directory must have ({@link HfCheckpoint#sha256}); null
   *     skips the check
   * @throws CheckpointUnavailableException when no store handles the URI, the directory is missing,
   *     the digest differs or the files do not load (truncated, wrong shapes, ...)
   */
  public ServingPolicy load(
      String runId, long version, String checkpointUri, String expectedSha256) {
    URI uri = CheckpointStore.parse(checkpointUri);
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    CheckpointStore store =
        stores.stream()
            .filter(s -> s.supports(scheme))
            .findFirst()
            .orElseThrow(
                () ->
                    new CheckpointUnavailableException(
                        "no checkpoint store for scheme '"
                            + scheme
                            + "' of "
                            + checkpointUri
                            + " (supported: file)"));
    Path dir = store.resolve(uri);
    String actual;
    try {
      actual = HfCheckpoint.sha256(dir);
    } catch (RuntimeException e) {
      throw new CheckpointUnavailableException(
          "cannot hash checkpoint " + dir + ": " + e.getMessage(), e);
    }
    if (expectedSha256 != null && !expectedSha256.equalsIgnoreCase(actual)) {
      throw new CheckpointUnavailableException(
          "checkpoint "
              + checkpointUri
              + " of run "
              + runId
              + " version "
              + version
              + " fails verification: sha256 must be "
              + expectedSha256
              + ", was "
              + actual);
    }
    try {
      LoadedCheckpoint loaded = HfCheckpoint.load(dir, device);
      return new ServingPolicy(runId, version, checkpointUri, actual, loaded);
    } catch (RuntimeException e) {
      throw new CheckpointUnavailableException(
          "checkpoint "
              + checkpointUri
              + " of run "
              + runId
              + " version "
              + version
              + " does not load: "
              + e.getMessage(),
          e);
    }
  }
}
