package dev.grpo.trainer.service;

/**
 * Test hook: called at the points of a step where a crash is most dangerous. A test makes it throw
 * {@link SimulatedCrash} to kill the training loop there, abruptly: nothing after the point runs,
 * the consumer closes without committing and unsent producer records are abandoned, as in a killed
 * process.
 */
@FunctionalInterface
public interface FaultInjector {
  /** Where in a step. */
  enum Point {
    /** The update ran (weights changed in memory) but nothing about the step is persisted yet. */
    MID_STEP,
    /** The step is persisted and published; the checkpoint (if due) is not written yet. */
    AFTER_STEP,
    /** The checkpoint is saved, recorded and published; offsets are not committed yet. */
    AFTER_CHECKPOINT,
    /**
     * The broker acknowledged a batch of PromptTasks (its {@code step} is the first task's {@code
     * issuedForStep}); the database does not mark them sent yet.
     */
    AFTER_PROMPTS_ACKNOWLEDGED
  }

  /** No faults. */
  FaultInjector NONE = (point, runId, step) -> {};

  void at(Point point, String runId, int step);

  /**
   * Thrown by a test's injector; the loop dies without any clean-up that a killed process would
   * skip.
   */
  final class SimulatedCrash extends Error {
    private static final long serialVersionUID = 1L;

    public SimulatedCrash(String message) {
      super(message);
    }
  }
}
