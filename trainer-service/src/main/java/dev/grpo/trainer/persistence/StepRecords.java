package dev.grpo.trainer.persistence;

import java.util.List;
import java.util.Map;

/** The training steps and evaluations of a run ({@link RunStore} in the app). */
public interface StepRecords {

  /** A group used by a step, with the policy version that sampled it. */
  record TrainedGroup(String groupId, long rolloutVersion) {}

  /**
   * Records a step: the step row, its groups as TRAINED, the run's step count, in one transaction.
   *
   * @throws IllegalStateException when a group was not in flight (it would be trained twice)
   */
  void recordStep(TrainingStepEntity step, List<TrainedGroup> groups);

  /** Adds the checkpoint time to a step row written before its checkpoint. */
  void setCheckpointMillis(String runId, int step, long millis);

  /** Records the held-out accuracy per checker at {@code step} (replacing an earlier record). */
  void recordEval(String runId, int step, Map<String, Double> accuracy, int examples);
}
