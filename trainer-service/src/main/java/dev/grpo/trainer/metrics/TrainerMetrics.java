package dev.grpo.trainer.metrics;

import dev.grpo.policy.train.StepMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The trainer's Prometheus metrics, tagged by run: step time split (wait for data / compute /
 * checkpoint), tokens per second, staleness histogram, reward mean/std, KL, clip fractions,
 * entropy, gradient norm, groups dropped by reason, current policy version, held-out accuracy per
 * checker.
 */
@ApplicationScoped
public class TrainerMetrics {
  private final MeterRegistry registry;
  private final Map<String, AtomicReference<Double>> gauges = new ConcurrentHashMap<>();

  public TrainerMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** One finished step. */
  public void step(
      String runId, StepMetrics m, long waitMillis, long computeMillis, long checkpointMillis) {
    phase(runId, "wait", waitMillis);
    phase(runId, "compute", computeMillis);
    if (checkpointMillis > 0) {
      phase(runId, "checkpoint", checkpointMillis);
    }
    Counter.builder("grpo.trainer.tokens")
        .description("completion tokens trained on")
        .tags("run", runId)
        .register(registry)
        .increment(m.tokens());
    Counter.builder("grpo.trainer.steps")
        .description("training steps")
        .tags("run", runId)
        .register(registry)
        .increment();
    gauge(
        runId,
        "grpo.trainer.tokens.per.second",
        computeMillis <= 0 ? 0 : m.tokens() * 1000.0 / computeMillis);
    gauge(runId, "grpo.trainer.reward.mean", m.rewardMean());
    gauge(runId, "grpo.trainer.reward.std", m.rewardStd());
    gauge(runId, "grpo.trainer.loss", m.loss());
    gauge(runId, "grpo.trainer.kl", m.kl());
    gauge(runId, "grpo.trainer.clip.fraction.low", m.clipFracLow());
    gauge(runId, "grpo.trainer.clip.fraction.high", m.clipFracHigh());
    gauge(runId, "grpo.trainer.entropy", m.entropy());
    gauge(runId, "grpo.trainer.grad.norm", m.gradNorm());
    gauge(runId, "grpo.trainer.learning.rate", m.learningRate());
    gauge(runId, "grpo.trainer.step", m.step());
  }

  /** Staleness (trainer version minus sampling version) of a group that was trained. */
  public void staleness(String runId, long versions) {
    DistributionSummary.builder("grpo.trainer.staleness")
        .description("policy versions between sampling and training")
        .baseUnit("versions")
        .tags("run", runId)
        .serviceLevelObjectives(1, 2, 3, 4, 8, 16)
        .register(registry)
        .record(versions);
  }

  public void dropped(String runId, String reason) {
    droppedCounter(runId, reason).increment();
  }

  /**
   * Registers the run's drop counter at 0 for each of {@code reasons} ({@code
   * service.DropReason#known}), so that the first drop is an increase Prometheus can see.
   */
  public void dropReasons(String runId, java.util.Collection<String> reasons) {
    reasons.forEach(r -> droppedCounter(runId, r));
  }

  private Counter droppedCounter(String runId, String reason) {
    return Counter.builder("grpo.trainer.groups.dropped")
        .description("groups not trained, by reason")
        .tags(Tags.of("run", runId, "reason", reason))
        .register(registry);
  }

  /** A scored group none of the trainer's runs waits for, by {@code StrayGroup} tag. */
  public void stray(String reason) {
    Counter.builder("grpo.trainer.groups.stray")
        .description("scored groups no active run waits for, settled at once, by reason")
        .tags(Tags.of("reason", reason))
        .register(registry)
        .increment();
  }

  public void trained(String runId, int groups) {
    Counter.builder("grpo.trainer.groups.trained")
        .tags("run", runId)
        .register(registry)
        .increment(groups);
  }

  public void issued(String runId, int groups) {
    Counter.builder("grpo.trainer.prompts.issued")
        .tags("run", runId)
        .register(registry)
        .increment(groups);
  }

  public void version(String runId, long version) {
    gauge(runId, "grpo.trainer.policy.version", version);
  }

  public void inFlight(String runId, int groups) {
    gauge(runId, "grpo.trainer.groups.in.flight", groups);
  }

  public void evalAccuracy(String runId, String checker, double accuracy) {
    String key = "grpo.trainer.eval.accuracy|" + runId + "|" + checker;
    gauges
        .computeIfAbsent(
            key,
            k -> {
              var ref = new AtomicReference<>(0.0);
              registry.gauge(
                  "grpo.trainer.eval.accuracy",
                  Tags.of("run", runId, "checker", checker),
                  ref,
                  AtomicReference::get);
              return ref;
            })
        .set(accuracy);
  }

  private void phase(String runId, String phase, long millis) {
    Timer.builder("grpo.trainer.step.time")
        .description("step time by phase: wait for data, compute, checkpoint")
        .tags(Tags.of("run", runId, "phase", phase))
        .register(registry)
        .record(Duration.ofMillis(millis));
  }

  private void gauge(String runId, String name, double value) {
    gauges
        .computeIfAbsent(
            name + "|" + runId,
            k -> {
              var ref = new AtomicReference<>(0.0);
              registry.gauge(name, Tags.of("run", runId), ref, AtomicReference::get);
              return ref;
            })
        .set(value);
  }
}
