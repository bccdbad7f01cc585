package dev.grpo.trainer.service;

import dev.grpo.policy.train.StepMetrics;
import dev.grpo.policy.train.TrainingGroup;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Where the arithmetic of a GRPO step runs. The run controller owns everything else (pacing, Kafka,
 * the database, checkpoint bookkeeping, policy versions); a backend only computes, saves and loads.
 * {@link EmbeddedBackend} is DJL in this process; {@link TorchBackend} is a group of PyTorch worker
 * processes (DESIGN section 5, "Training backends").
 */
interface TrainingBackend extends AutoCloseable {

  /**
   * Runs one GRPO step (advantages, μ iterations, loss, optimizer) on a batch of scored groups.
   *
   * @param step the run's step number, for messages
   */
  StepMetrics step(int step, List<TrainingGroup> batch);

  /**
   * Writes the policy as a Hugging Face checkpoint directory with the backend's optimizer and
   * trainer state, plus {@code extraFiles} (name → writer), atomically: readers see the old
   * directory or the complete new one.
   */
  void save(Path dir, Map<String, Consumer<Path>> extraFiles);

  /** Restores the optimizer and trainer state saved in {@code dir}. */
  void loadState(Path dir);

  /**
   * Makes the run's in-process policy hold the backend's latest weights, before an evaluation
   * samples from it. The embedded backend trains that policy itself: nothing to do.
   */
  default void syncPolicy() {}

  @Override
  void close();
}
