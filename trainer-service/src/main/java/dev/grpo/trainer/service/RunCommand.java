package dev.grpo.trainer.service;

import dev.grpo.trainer.run.RunStatus;

/** What a user may ask of a run that has not ended. */
public enum RunCommand {
  PAUSE(RunStatus.PAUSED, RunStatus.RUNNING),
  RESUME(RunStatus.RUNNING, RunStatus.PAUSED),
  STOP(RunStatus.STOPPED, RunStatus.RUNNING, RunStatus.PAUSED);

  private final RunStatus result;
  private final java.util.List<RunStatus> allowedFrom;

  RunCommand(RunStatus result, RunStatus... allowedFrom) {
    this.result = result;
    this.allowedFrom = java.util.List.of(allowedFrom);
  }

  /** The statuses a run may have for this command (the one place of this rule). */
  public java.util.List<RunStatus> allowedFrom() {
    return allowedFrom;
  }

  /** The status the run has after the command. */
  public RunStatus result() {
    return result;
  }
}
