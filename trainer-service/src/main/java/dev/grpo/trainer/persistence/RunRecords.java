package dev.grpo.trainer.persistence;

import dev.grpo.trainer.run.RunSpec;
import dev.grpo.trainer.run.RunStatus;
import java.util.Optional;

/**
 * Everything the training loop records about runs: the three kinds of records plus the run row
 * itself ({@link RunStore} in the app; an in-memory fake in plain tests).
 */
public interface RunRecords extends GroupRecords, StepRecords, VersionRecords {

  Optional<RunEntity> run(String id);

  void setStatus(String runId, RunStatus status, String error);

  /** The run's spec, read from its stored JSON once per run and process. */
  RunSpec spec(RunEntity run);
}
