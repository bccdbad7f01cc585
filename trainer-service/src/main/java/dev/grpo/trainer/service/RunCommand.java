package dev.grpo.trainer.service;

import dev.grpo.trainer.run.RunStatus;

/** What a user may ask of a run that has not ended. */
public enum RunCommand {
  PAUSE(RunStatus.PAUSED),
  RESUME(RunStatus.RUNNING),
  STOP(RunStatus.STOPPED);

  private final RunStatus result;

  RunCommand(RunStatus result) {
    this.result = result;
  }

  /** The status the run has after the command. */
  public RunStatus result() {
    return result;
  }
}
