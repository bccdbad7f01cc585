package dev.grpo.trainer.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of the trainer service (not of a run: those come with {@code POST /runs}). */
@ConfigMapping(prefix = "grpo.trainer")
public interface TrainerServiceConfig {

  /**
   * Root directory of checkpoints, shared with the rollout workers; each run writes {@code
   * <root>/<runId>/v<version>}. Relative paths resolve against the working directory. Env {@code
   * GRPO_CHECKPOINT_ROOT} in prod.
   */
  @WithDefault("work/checkpoints")
  String checkpointsRoot();

  /** Device of the policy: {@code cpu}, {@code gpu} or {@code gpu:<index>}. */
  @WithDefault("cpu")
  String device();

  /**
   * Longest wait in one poll of {@code grpo.scored}, in milliseconds; also the latency of REST
   * commands.
   */
  @WithDefault("100")
  long pollTimeoutMillis();

  /** Records per poll of {@code grpo.scored}. */
  @WithDefault("64")
  int maxPollRecords();

  /** Threads that run checkers during evaluation. */
  @WithDefault("2")
  int evalThreads();

  /** Prompts per sampler call during evaluation. */
  @WithDefault("64")
  int evalBatchSize();

  /**
   * Stable id of this trainer instance across its restarts: part of its consumers' {@code
   * group.instance.id} (static membership), so a restarted trainer reclaims its partitions at once.
   */
  @WithDefault("trainer-0")
  String instanceId();

  /** Whether the training loop starts with the application (tests may start it themselves). */
  @WithDefault("true")
  boolean autostart();

  /**
   * libtorch intra-op threads for training and evaluation; 0 keeps libtorch's default (one per
   * core). The default 1 avoids oversubscribing small machines where several processes share cores.
   */
  @WithDefault("1")
  int torchThreads();

  /**
   * Training backend of runs that do not name one ({@code trainer.backend}): {@code embedded} (DJL
   * in this process) or {@code torch} (PyTorch worker ranks, see {@code trainer-worker/}).
   */
  @WithDefault("embedded")
  String backend();

  /** Python interpreter of the torch workers (Python >= 3.11 with torch >= 1.13). */
  @WithDefault("python3")
  String torchPython();

  /** Directory holding {@code grpo_worker/}; empty: the copy packaged in this service's jar. */
  java.util.Optional<String> torchWorkerDir();

  /** Torch worker ranks of runs that do not name {@code trainer.workers}. */
  @WithDefault("1")
  int torchWorkers();

  /** Torch intra-op threads per worker rank; 0 = torch's default. */
  @WithDefault("1")
  int torchThreadsPerRank();

  /** Device of the torch workers: {@code cpu} (gloo) or {@code cuda} (one GPU per rank, NCCL). */
  @WithDefault("cpu")
  String torchDevice();

  /** Seconds rank 0 may take to answer after the ranks are started. */
  @WithDefault("120")
  int torchStartTimeoutSeconds();

  /** Seconds one step may take before the watchdog restarts the worker group. */
  @WithDefault("600")
  int torchStepTimeoutSeconds();
}
