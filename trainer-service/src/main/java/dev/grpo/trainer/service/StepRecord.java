package dev.grpo.trainer.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grpo.contracts.Contracts;
import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.FinishReason;
import dev.grpo.contracts.ScoredGroup;
import dev.grpo.contracts.Topics;
import dev.grpo.contracts.TrainerStep;
import dev.grpo.policy.train.StepMetrics;
import dev.grpo.trainer.metrics.TrainerMetrics;
import dev.grpo.trainer.persistence.StepRecords;
import dev.grpo.trainer.persistence.StepRecords.TrainedGroup;
import dev.grpo.trainer.persistence.TrainingStepEntity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * What a trained step leaves behind: the metrics map (the names dashboards and the contract's
 * {@code TrainerStep.metrics} use), the {@code training_step} row written with its groups' TRAINED
 * state in one transaction, the Prometheus meters, and the {@link TrainerStep} event.
 */
final class StepRecord {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger LOG = Logger.getLogger(StepRecord.class);

  /**
   * One trained step.
   *
   * @param versionInForce the policy version the batch was trained at (staleness is measured
   *     against it)
   * @param producedVersion the version the step's weights are published as: the next one when the
   *     step checkpoints, else the one in force
   * @param groups the batch, oldest first
   */
  record Trained(
      int step,
      long versionInForce,
      long producedVersion,
      StepMetrics metrics,
      List<ScoredGroup> groups,
      long waitMillis,
      long computeMillis) {

    double stalenessMean() {
      double sum = 0;
      for (ScoredGroup g : groups) {
        sum += staleness(g);
      }
      return sum / groups.size();
    }

    long staleness(ScoredGroup g) {
      return Math.max(0, versionInForce - g.rollout().policyVersion());
    }
  }

  private final String runId;
  private final StepRecords store;
  private final RunEvents events;
  private final TrainerMetrics meters;
  private final Clock clock;

  StepRecord(
      String runId, StepRecords store, RunEvents events, TrainerMetrics meters, Clock clock) {
    this.runId = runId;
    this.store = store;
    this.events = events;
    this.meters = meters;
    this.clock = clock;
  }

  /** The step record of a run on the training loop's database, producer and meters. */
  static StepRecord of(String runId, RunEnv env) {
    return new StepRecord(runId, env.store(), env.events(), env.metrics(), env.clock());
  }

  /**
   * Persists the step (row + groups TRAINED, one transaction), counts it, and sends its TrainerStep
   * without waiting (a lost event is re-sent by no one; consumers read the latest per {@code
   * (runId, step)}).
   */
  void record(Trained t) {
    Map<String, Double> metrics = metrics(t);
    var trained = new ArrayList<TrainedGroup>();
    for (ScoredGroup g : t.groups()) {
      trained.add(new TrainedGroup(g.groupId(), g.rollout().policyVersion()));
    }
    store.recordStep(row(runId, t, metrics), trained);
    for (ScoredGroup g : t.groups()) {
      meters.staleness(runId, t.staleness(g));
    }
    meters.trained(runId, t.groups().size());
    var event =
        new TrainerStep(
            Contracts.SCHEMA_VERSION,
            runId,
            t.step(),
            t.producedVersion(),
            metrics,
            clock.instant());
    events.send(Topics.STEPS, runId, EventJson.toBytes(event));
  }

  /**
   * A step's loss and gradient norm must be finite: anything else would train NaNs into the weights
   * (the backend has already recomputed a step whose update was skipped once).
   */
  static void requireFinite(int step, StepMetrics m) {
    if (!Double.isFinite(m.loss()) || !Double.isFinite(m.gradNorm())) {
      throw new IllegalStateException(
          "step "
              + step
              + " produced a non-finite loss ("
              + m.loss()
              + ") or gradient norm ("
              + m.gradNorm()
              + ")");
    }
  }

  /**
   * The step (and its checkpoint) is over: its time split and metrics go to the meters, and every
   * tenth and the last of {@code steps} steps to the log.
   */
  void finished(Trained t, long checkpointMillis, int steps) {
    StepMetrics m = t.metrics();
    meters.step(runId, m, t.waitMillis(), t.computeMillis(), checkpointMillis);
    if (t.step() % 10 == 0 || t.step() == steps) {
      LOG.infof(
          "run %s step %d: reward %.3f ± %.3f, loss %.4f, %d tokens in %d ms",
          runId, t.step(), m.rewardMean(), m.rewardStd(), m.loss(), m.tokens(), t.computeMillis());
    }
  }

  /** Every metric of a step by name, in a fixed order. */
  static Map<String, Double> metrics(Trained t) {
    StepMetrics m = t.metrics();
    long computeMillis = t.computeMillis();
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("loss", m.loss());
    out.put("reward/mean", m.rewardMean());
    out.put("reward/std", m.rewardStd());
    out.put("kl", m.kl());
    out.put("clip/low", m.clipFracLow());
    out.put("clip/high", m.clipFracHigh());
    out.put("clip/delta", m.clipFracDelta());
    out.put("masked/fraction", m.maskedFrac());
    out.put("truncated/tokens", (double) m.truncatedTokens());
    out.put("is_weight/mean", m.isWeightMean());
    out.put("is_weight/min", m.isWeightMin());
    out.put("is_weight/max", m.isWeightMax());
    out.put("entropy", m.entropy());
    out.put("grad_norm", m.gradNorm());
    out.put("learning_rate", m.learningRate());
    out.put("tokens", (double) m.tokens());
    out.put("sequences", (double) m.sequences());
    out.put("groups", (double) m.groups());
    out.put("zero_std_groups", (double) m.zeroStdGroups());
    out.put("skipped_updates", (double) m.skippedUpdates());
    out.put("staleness/mean", t.stalenessMean());
    out.put("time/wait_ms", (double) t.waitMillis());
    out.put("time/compute_ms", (double) computeMillis);
    out.put("time/forward_backward_ms", (double) m.forwardBackwardMillis());
    out.put("time/optimizer_ms", (double) m.optimizerMillis());
    out.put("tokens_per_second", computeMillis <= 0 ? 0.0 : m.tokens() * 1000.0 / computeMillis);
    out.putAll(batchMetrics(t.groups()));
    return out;
  }

  /**
   * What the batch's groups themselves say (TRL's {@code completions/*} and {@code
   * rewards/<func>/mean}): completion lengths in tokens (mean, min, max) and the fraction cut at
   * {@code maxNewTokens} (finish reason {@code length}), over every completion of the batch's
   * groups; and each checker's mean reward component, {@code reward/<checker>/mean}, over the
   * counted (not skipped) completions that have it, checkers in order of first appearance.
   */
  static Map<String, Double> batchMetrics(List<ScoredGroup> groups) {
    Map<String, Double> out = new LinkedHashMap<>();
    long n = 0;
    long sum = 0;
    long truncated = 0;
    int min = Integer.MAX_VALUE;
    int max = 0;
    Map<String, double[]> checkers = new LinkedHashMap<>(); // name -> {sum, count}
    for (ScoredGroup g : groups) {
      for (var c : g.rollout().completions()) {
        int len = c.length();
        n++;
        sum += len;
        min = Math.min(min, len);
        max = Math.max(max, len);
        if (c.finishReason() == FinishReason.LENGTH) {
          truncated++;
        }
      }
      for (var s : g.scores()) {
        if (s.skipped() || s.components() == null) {
          continue;
        }
        s.components()
            .forEach(
                (name, v) -> {
                  double[] acc = checkers.computeIfAbsent(name, k -> new double[2]);
                  acc[0] += v;
                  acc[1]++;
                });
      }
    }
    if (n > 0) {
      out.put("completions/mean_length", (double) sum / n);
      out.put("completions/min_length", (double) min);
      out.put("completions/max_length", (double) max);
      out.put("completions/truncated_fraction", (double) truncated / n);
    }
    checkers.forEach((name, acc) -> out.put("reward/" + name + "/mean", acc[0] / acc[1]));
    return out;
  }

  /** The {@code training_step} row of a step. */
  static TrainingStepEntity row(String runId, Trained t, Map<String, Double> metrics) {
    StepMetrics m = t.metrics();
    var row = new TrainingStepEntity();
    row.runId = runId;
    row.step = t.step();
    row.policyVersion = t.versionInForce();
    row.loss = m.loss();
    row.rewardMean = m.rewardMean();
    row.rewardStd = m.rewardStd();
    row.kl = m.kl();
    row.clipFracLow = m.clipFracLow();
    row.clipFracHigh = m.clipFracHigh();
    row.entropy = m.entropy();
    row.gradNorm = m.gradNorm();
    row.learningRate = m.learningRate();
    row.tokens = m.tokens();
    row.groups = m.groups();
    row.stalenessMean = t.stalenessMean();
    row.waitMillis = t.waitMillis();
    row.computeMillis = t.computeMillis();
    try {
      row.metrics = JSON.writeValueAsString(metrics);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return row;
  }
}
