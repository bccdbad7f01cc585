package dev.grpo.trainer.service;

import ai.djl.Device;
import dev.grpo.trainer.metrics.TrainerMetrics;
import dev.grpo.trainer.pacing.OffsetLedger;
import dev.grpo.trainer.persistence.RunRecords;
import dev.grpo.trainer.tasks.TaskGenerators;
import java.nio.file.Path;
import java.time.Clock;

/**
 * What every run on the training thread shares with the loop.
 *
 * @param ledger the loop's offset ledger of {@code grpo.scored}: a run marks a group safe once its
 *     fate is durable
 * @param faults the test hook of crash points
 * @param torchWorkers how runs on the torch backend start their worker ranks
 * @param traces the trainer's spans of each group's trace (issue, trained, dropped)
 */
public record RunEnv(
    RunRecords store,
    RunEvents events,
    TrainerMetrics metrics,
    Evaluator evaluator,
    TaskGenerators generators,
    Path checkpointsRoot,
    Device device,
    OffsetLedger<?> ledger,
    FaultInjector faults,
    Clock clock,
    TorchWorkers torchWorkers,
    GroupTraces traces) {

  /** An environment without traces ({@link GroupTraces#NONE}), as plain tests build it. */
  public RunEnv(
      RunRecords store,
      RunEvents events,
      TrainerMetrics metrics,
      Evaluator evaluator,
      TaskGenerators generators,
      Path checkpointsRoot,
      Device device,
      OffsetLedger<?> ledger,
      FaultInjector faults,
      Clock clock,
      TorchWorkers torchWorkers) {
    this(
        store,
        events,
        metrics,
        evaluator,
        generators,
        checkpointsRoot,
        device,
        ledger,
        faults,
        clock,
        torchWorkers,
        GroupTraces.NONE);
  }
}
