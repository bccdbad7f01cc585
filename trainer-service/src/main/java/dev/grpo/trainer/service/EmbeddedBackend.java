package dev.grpo.trainer.service;

import dev.grpo.policy.checkpoint.HfCheckpoint;
import dev.grpo.policy.train.GrpoTrainer;
import dev.grpo.policy.train.GrpoTrainerConfig;
import dev.grpo.policy.train.StepMetrics;
import dev.grpo.policy.train.TrainingGroup;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The {@code embedded} backend: the policy module's {@link GrpoTrainer} on the run's in-memory
 * policy, in this process (CPU or one GPU). Evaluation samples from the same model, so it always
 * sees the latest update.
 */
final class EmbeddedBackend implements TrainingBackend {
  private static final Logger LOG = Logger.getLogger(EmbeddedBackend.class);

  private final String runId;
  private final RunPolicy policy;
  private final GrpoTrainer trainer;

  EmbeddedBackend(String runId, RunPolicy policy, GrpoTrainerConfig config) {
    this.runId = runId;
    this.policy = policy;
    this.trainer = new GrpoTrainer(policy.model(), policy.reference(), config);
  }

  @Override
  public StepMetrics step(int step, List<TrainingGroup> batch) {
    long updatesBefore = trainer.optimizer().stepCount();
    StepMetrics m = trainer.step(batch);
    if (m.skippedUpdates() > 0 && trainer.optimizer().stepCount() == updatesBefore) {
      // A non-finite gradient norm made AdamW skip every update: weights and moments are untouched,
      // so recomputing the same batch once trains nothing twice. It has been seen rarely and not
      // reproducibly (see docs/architecture.md); a second failure fails the run.
      LOG.warnf(
          "run %s step %d: non-finite gradient norm (%s), update skipped; recomputing the step"
              + " once",
          runId, step, m.gradNorm());
      m = trainer.step(batch);
    }
    return m;
  }

  @Override
  public void save(Path dir, Map<String, Consumer<Path>> extraFiles) {
    Map<String, Consumer<Path>> files = new LinkedHashMap<>(trainer.stateFileWriters());
    files.putAll(extraFiles);
    HfCheckpoint.save(dir, policy.model(), policy.tokenizer(), files);
  }

  @Override
  public void loadState(Path dir) {
    trainer.loadState(dir);
  }

  @Override
  public void close() {
    trainer.close();
  }
}
