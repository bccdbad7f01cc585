package dev.grpo.trainer.persistence;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The prompt groups of a run as the training loop reads and writes them: issued, sent, dropped.
 * Each call is one durable fact ({@link RunStore} in the app; a map in plain tests).
 */
public interface GroupRecords {

  /** A group about to be issued. */
  record NewGroup(
      String groupId, String promptId, long promptIndex, int issuedForStep, long issuedVersion) {}

  Optional<PromptGroupEntity> group(String groupId);

  /** Records groups as issued (not yet sent) and advances the prompt index, in one transaction. */
  void issue(String runId, List<NewGroup> groups, long nextPromptIndex);

  /** The broker acknowledged these groups' PromptTasks. */
  void markSent(Collection<String> groupIds);

  /** Drops an in-flight group; returns false when it was already decided (nothing changes then). */
  boolean drop(String groupId, String reason, Long rolloutVersion);
}
