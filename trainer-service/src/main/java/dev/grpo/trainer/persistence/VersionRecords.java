package dev.grpo.trainer.persistence;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The policy versions of a run and the resume point they define ({@link RunStore} in the app). */
public interface VersionRecords {

  /**
   * What a restart needs: groups in flight (with whether they were sent) and every decided group
   * id.
   */
  record GroupLedger(List<PromptGroupEntity> inFlight, List<String> decided) {}

  /** Records a published version and makes its step the resume point. */
  void recordVersion(String runId, long version, long step, String uri, String sha256);

  Optional<PolicyVersionEntity> latestVersion(String runId);

  Optional<PolicyVersionEntity> version(String runId, long version);

  /**
   * Rolls the run back to its checkpoint at {@code checkpointStep}: steps after it are deleted and
   * their groups return to ISSUED (their records were not committed, so they are read again and
   * retrained); groups the checkpoint lists as trained are TRAINED whatever the database said.
   * Drops stay: a dropped group is decided and was replaced.
   */
  GroupLedger rollbackTo(String runId, int checkpointStep, Set<String> trainedInCheckpoint);
}
