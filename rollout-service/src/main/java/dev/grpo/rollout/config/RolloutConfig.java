package dev.grpo.rollout.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/** Knobs of a rollout worker ({@code grpo.rollout.*}). */
@ConfigMapping(prefix = "grpo.rollout")
public interface RolloutConfig {

  /**
   * Worker id written into every RolloutGroup; also its consumer's {@code group.instance.id}
   * ({@code rollout-<id>}) and its producer's {@code transactional.id} ({@code grpo-rollout-<id>}),
   * so it must be unique among running workers and should stay the same across restarts of one
   * worker (a restart then reclaims the partitions and aborts the open transaction at once).
   * Default: the host name and {@link #workerIndex()}, {@code <host>-<index>}.
   */
  Optional<String> workerId();

  /**
   * Told apart workers on one host when {@link #workerId()} is not set: the default id is {@code
   * <host>-<index>}. Two workers on one host with the same index fence each other.
   */
  @WithDefault("0")
  int workerIndex();

  /** Consumer group shared by all rollout workers; prompts are split between its members. */
  @WithDefault("grpo-rollout")
  String consumerGroup();

  /** Most prompt tasks held at once (queued + generating); the consumer pauses at this bound. */
  @WithDefault("32")
  int maxTasksHeld();

  /**
   * Most tasks in flight in one generation call; the running call takes the next queued tasks as
   * its rows finish (1: one task per call, no feeding, bit-identical log-probs run to run). Each
   * completion draws from its own seeded stream, so a group's completions do not depend on the
   * batch it lands in.
   */
  @WithDefault("8")
  int maxTasksPerBatch();

  /**
   * Most sequences decoded at once (the sampler's slots). When a quarter of them are free, the next
   * waiting rows, of a started task or of the next queued one, are prefilled and take the places of
   * finished rows (continuous batching).
   */
  @WithDefault("128")
  int maxRowsPerBatch();

  /**
   * How long the generator waits for more tasks to fill a batch once it has one, in milliseconds.
   */
  @WithDefault("5")
  long batchLingerMillis();

  /** Consumer poll timeout in milliseconds; also the latency of commits and resumes. */
  @WithDefault("100")
  long pollTimeoutMillis();

  /** Device the policy runs on: cpu, gpu or gpu:N. */
  @WithDefault("cpu")
  String device();

  /** Set false to run the HTTP endpoints without a worker (e.g. for tooling). */
  @WithDefault("true")
  boolean enabled();

  /**
   * libtorch intra-op threads for sampling; 0 keeps libtorch's default (one per core). The default
   * 1 avoids oversubscribing small machines where several processes share the cores.
   */
  @WithDefault("1")
  int torchThreads();
}
