package dev.grpo.trainer.service;

import dev.grpo.trainer.worker.WorkerClient;
import dev.grpo.trainer.worker.WorkerGroup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * How this deployment starts the torch backend's worker ranks (config {@code
 * grpo.trainer.torch.*}).
 *
 * @param python interpreter command
 * @param workerDir directory holding {@code grpo_worker/}, or null for the copy packaged in the jar
 * @param threadsPerRank torch intra-op threads per rank, 0 = torch's default
 * @param device {@code cpu} (gloo) or {@code cuda} (one GPU per rank)
 * @param startTimeout how long rank 0 may take to answer
 * @param timeouts per-operation timeouts of the protocol
 */
public record TorchWorkers(
    String python,
    Path workerDir,
    int threadsPerRank,
    String device,
    Duration startTimeout,
    WorkerClient.Timeouts timeouts) {

  /** python3 on the PATH, the packaged worker, 1 thread, CPU, 2 min to start, default timeouts. */
  public static TorchWorkers defaults() {
    return new TorchWorkers(
        "python3", null, 1, "cpu", Duration.ofMinutes(2), WorkerClient.Timeouts.defaults());
  }

  /** The group of {@code ranks} processes (logs go to a directory the backend chooses). */
  WorkerGroup.Spec spec(int ranks) {
    return new WorkerGroup.Spec(
        python, workerDir, ranks, threadsPerRank, device, startTimeout, Path.of("."), Map.of());
  }
}
