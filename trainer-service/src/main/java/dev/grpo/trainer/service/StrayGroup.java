package dev.grpo.trainer.service;

/**
 * Why a well-formed {@code ScoredGroup} is none the trainer waits for (the {@code reason} tag of
 * {@code grpo.trainer.groups.stray}). A stray record is settled at once, so the committed position
 * on {@code grpo.scored} never waits behind it.
 */
public enum StrayGroup {
  /** Of a run this trainer never had (another deployment's, a forged one): dead-lettered. */
  FOREIGN_RUN,
  /** Of a run that has ended: the group is dropped as {@code run_<status>} if still issued. */
  FINISHED_RUN,
  /** Of a known run, but a groupId it never issued: dead-lettered. */
  UNKNOWN_GROUP;

  /** The metric tag: {@code foreign_run}, {@code finished_run}, {@code unknown_group}. */
  public String tag() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
