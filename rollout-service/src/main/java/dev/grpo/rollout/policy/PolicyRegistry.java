package dev.grpo.rollout.policy;

import dev.grpo.contracts.PolicyRef;
import dev.grpo.contracts.PolicyVersion;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The policies one worker serves, one per run, and the versions waiting to replace them.
 *
 * <p>Two threads use it. The policy listener calls {@link #announce}: a newer version is loaded and
 * verified right there (generation goes on meanwhile) and then <em>staged</em>. The generation
 * thread calls {@link #swapStaged()} between batches and {@link #servingFor} while building one, so
 * a model is only replaced (and the old one closed) when no generation is using it. A version that
 * fails to load or verify is logged and counted, and the old policy keeps serving.
 */
public final class PolicyRegistry implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(PolicyRegistry.class);

  private final PolicyLoader loader;
  private final MeterRegistry meters;
  private final String workerId;

  /** Only the generation thread reads and writes it (and close(), after that thread stopped). */
  private final Map<String, ServingPolicy> serving = new HashMap<>();

  private final Map<String, ServingPolicy> staged = new ConcurrentHashMap<>();
  private final Map<String, Long> announced = new ConcurrentHashMap<>();
  private final Map<String, Long> servingVersions = new ConcurrentHashMap<>();
  private final Timer loadTimer;
  private final Timer swapTimer;

  public PolicyRegistry(PolicyLoader loader, MeterRegistry meters, String workerId) {
    this.loader = loader;
    this.meters = meters;
    this.workerId = workerId;
    this.loadTimer =
        Timer.builder("grpo.rollout.policy.load")
            .description("resolve + sha256 + load of a checkpoint")
            .tag("worker", workerId)
            .register(meters);
    this.swapTimer =
        Timer.builder("grpo.rollout.policy.swap")
            .description("replacing the serving policy between batches")
            .tag("worker", workerId)
            .register(meters);
  }

  /**
   * A version was announced on grpo.policy. Loads it when it is newer than what this worker serves
   * or has staged; never throws for a bad checkpoint.
   *
   * @return true when the version was loaded and staged
   */
  public boolean announce(PolicyVersion v) {
    watch(v.runId());
    announced.merge(v.runId(), v.version(), Math::max);
    long have =
        Math.max(
            servingVersions.getOrDefault(v.runId(), -1L),
            staged.containsKey(v.runId()) ? staged.get(v.runId()).version() : -1L);
    if (v.version() <= have) {
      LOG.debugf("run %s version %d ignored: already have %d", v.runId(), v.version(), have);
      return false;
    }
    ServingPolicy loaded;
    long start = System.nanoTime();
    try {
      loaded = loader.load(v.runId(), v.version(), v.checkpointUri(), v.sha256());
    } catch (RuntimeException e) {
      Counter.builder("grpo.rollout.policy.load.failures")
          .tag("worker", workerId)
          .tag("run", v.runId())
          .register(meters)
          .increment();
      LOG.warnf(
          "refused policy version %d of run %s, the current policy keeps serving: %s",
          v.version(), v.runId(), e.getMessage());
      return false;
    }
    loadTimer.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
    ServingPolicy previous = staged.put(v.runId(), loaded);
    if (previous != null) {
      // Staged but never served: nobody else holds it.
      previous.checkpoint().close();
    }
    LOG.infof(
        "loaded policy version %d of run %s from %s in %d ms; it serves from the next batch",
        v.version(), v.runId(), v.checkpointUri(), (System.nanoTime() - start) / 1_000_000);
    return true;
  }

  /** Generation thread, between batches: staged versions replace the serving ones. */
  public void swapStaged() {
    for (String run : staged.keySet()) {
      ServingPolicy next = staged.remove(run);
      if (next == null) {
        continue;
      }
      long start = System.nanoTime();
      ServingPolicy old = serving.get(run);
      if (old != null && old.version() >= next.version()) {
        next.checkpoint().close();
        continue;
      }
      serving.put(run, next);
      servingVersions.put(run, next.version());
      if (old != null) {
        old.checkpoint().close();
      }
      swapTimer.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
      LOG.infof(
          "run %s now samples with policy version %d (was %s)",
          run, next.version(), old == null ? "none" : Long.toString(old.version()));
    }
  }

  /**
   * Generation thread: the policy to sample a task of {@code runId} with. Until a version was
   * announced, the task's {@link PolicyRef} names the checkpoint; a ref newer than what serves is
   * loaded too (the ref is the oldest version the task accepts).
   *
   * @throws NoPolicyException when nothing serves the run and the ref names no checkpoint
   * @throws CheckpointUnavailableException when the ref's checkpoint cannot be loaded
   */
  public ServingPolicy servingFor(String runId, PolicyRef ref) {
    watch(runId);
    ServingPolicy current = serving.get(runId);
    if (current != null && current.version() >= ref.version()) {
      return current;
    }
    if (ref.checkpointUri() == null) {
      if (current != null) {
        // The newer version is not announced yet; a slightly stale group beats an idle worker, and
        // the trainer's staleness rule decides whether it is used.
        LOG.debugf(
            "run %s asks for version >= %d, serving %d", runId, ref.version(), current.version());
        return current;
      }
      throw new NoPolicyException(
          "no policy available for run '"
              + runId
              + "': no PolicyVersion seen on grpo.policy"
              + " and the task's policy names no checkpointUri");
    }
    long start = System.nanoTime();
    ServingPolicy loaded = loader.load(runId, ref.version(), ref.checkpointUri(), ref.sha256());
    loadTimer.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
    serving.put(runId, loaded);
    servingVersions.put(runId, loaded.version());
    if (current != null) {
      current.checkpoint().close();
    }
    LOG.infof(
        "run %s samples with policy version %d from the task's reference %s",
        runId, ref.version(), ref.checkpointUri());
    return loaded;
  }

  /** Generation thread: the policy serving a run now, or null. */
  public ServingPolicy current(String runId) {
    return serving.get(runId);
  }

  /** The version serving a run, or -1. Thread-safe. */
  public long servingVersion(String runId) {
    return servingVersions.getOrDefault(runId, -1L);
  }

  /**
   * The newest version loaded for a run, serving or staged for the next batch, or -1. Thread-safe.
   */
  public long availableVersion(String runId) {
    ServingPolicy next = staged.get(runId);
    return Math.max(servingVersion(runId), next == null ? -1 : next.version());
  }

  /** The newest version announced for a run, or -1. Thread-safe. */
  public long announcedVersion(String runId) {
    return announced.getOrDefault(runId, -1L);
  }

  private final Map<String, Boolean> watched = new ConcurrentHashMap<>();

  private void watch(String runId) {
    if (watched.putIfAbsent(runId, Boolean.TRUE) == null) {
      Gauge.builder("grpo.rollout.policy.version", this, r -> r.servingVersion(runId))
          .description("policy version this worker samples run with")
          .tag("worker", workerId)
          .tag("run", runId)
          .register(meters);
      Gauge.builder(
              "grpo.rollout.policy.version.lag",
              this,
              r -> Math.max(0, r.announcedVersion(runId) - Math.max(0, r.servingVersion(runId))))
          .description("newest announced version minus the serving one")
          .tag("worker", workerId)
          .tag("run", runId)
          .register(meters);
    }
  }

  /** Closes every model; call after the generation thread stopped. */
  @Override
  public synchronized void close() {
    serving.values().forEach(p -> p.checkpoint().close());
    serving.clear();
    staged.values().forEach(p -> p.checkpoint().close());
    staged.clear();
  }
}
