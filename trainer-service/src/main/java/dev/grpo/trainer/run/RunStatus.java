package dev.grpo.trainer.run;

/** Life cycle of a run. RUNNING and PAUSED runs are resumed when the trainer restarts. */
public enum RunStatus {
  /** Issuing prompts and training. */
  RUNNING,
  /** Holding: no new prompts, no steps; groups that arrive are kept for when it resumes. */
  PAUSED,
  /** Stopped by a user; terminal. */
  STOPPED,
  /** Reached its step count; terminal. */
  COMPLETED,
  /** Could not continue (see the run's error); terminal. */
  FAILED;

  /** Whether the run will never train again. */
  public boolean terminal() {
    return this == STOPPED || this == COMPLETED || this == FAILED;
  }
}
