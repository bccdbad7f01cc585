package dev.grpo.trainer.service;

import static dev.grpo.trainer.service.Groups.scored;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grpo.contracts.Topics;
import dev.grpo.contracts.TrainerStep;
import dev.grpo.policy.train.StepMetrics;
import dev.grpo.trainer.metrics.TrainerMetrics;
import dev.grpo.trainer.persistence.PromptGroupEntity;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The metrics map, the step row and the TrainerStep event of a trained step. */
class StepRecordTest {
  private static final String RUN = "r";
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

  private final FakeRunRecords store = new FakeRunRecords();
  private final RecordedEvents events = new RecordedEvents(store.calls);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final StepRecord record =
      new StepRecord(
          RUN, store, events, new TrainerMetrics(registry), Clock.fixed(NOW, ZoneOffset.UTC));

  private static StepMetrics metrics() {
    return new StepMetrics(
        7, 7, 0.25, 0.01, 0.1, 0.2, 1.5, 0.9, 1e-3, 400, 8, 2, 1, 0.5, 0.4, 0, 30, 5, 0.05, 0.02, 3,
        0.99, 0.5, 2.0);
  }

  /** Step 3 at version 2, of groups sampled at versions 2 and 0 (staleness 0 and 2). */
  private StepRecord.Trained step3(boolean checkpoint) {
    store.addIssued(RUN, "g0", 0);
    store.addIssued(RUN, "g1", 1);
    return new StepRecord.Trained(
        3,
        2,
        checkpoint ? 3 : 2,
        metrics(),
        List.of(scored(RUN, "g0", 2, 1, 0), scored(RUN, "g1", 0, 0, 1)),
        120,
        200);
  }

  @Test
  void theMetricsMapHasEveryNameInAFixedOrder() {
    var m = StepRecord.metrics(step3(false));
    assertThat(m.keySet())
        .containsExactly(
            "loss",
            "reward/mean",
            "reward/std",
            "kl",
            "clip/low",
            "clip/high",
            "clip/delta",
            "masked/fraction",
            "truncated/tokens",
            "is_weight/mean",
            "is_weight/min",
            "is_weight/max",
            "entropy",
            "grad_norm",
            "learning_rate",
            "tokens",
            "sequences",
            "groups",
            "zero_std_groups",
            "skipped_updates",
            "staleness/mean",
            "time/wait_ms",
            "time/compute_ms",
            "time/forward_backward_ms",
            "time/optimizer_ms",
            "tokens_per_second",
            "completions/mean_length",
            "completions/min_length",
            "completions/max_length",
            "completions/truncated_fraction");
    assertThat(m)
        .containsEntry("loss", 0.25)
        .containsEntry("reward/mean", 0.5)
        .containsEntry("tokens", 400.0)
        .containsEntry("clip/delta", 0.05)
        .containsEntry("masked/fraction", 0.02)
        .containsEntry("truncated/tokens", 3.0)
        .containsEntry("is_weight/mean", 0.99)
        .containsEntry("is_weight/max", 2.0)
        .containsEntry("zero_std_groups", 1.0)
        .containsEntry("staleness/mean", 1.0)
        .containsEntry("time/wait_ms", 120.0)
        .containsEntry("time/forward_backward_ms", 30.0)
        .containsEntry("tokens_per_second", 2000.0);
  }

  @Test
  void completionLengthsTruncationAndPerCheckerRewardsComeFromTheBatch() {
    var g = scored(RUN, "g0", 0, 1, 0);
    var completions = new java.util.ArrayList<dev.grpo.contracts.Completion>();
    completions.add(
        new dev.grpo.contracts.Completion(
            0, "x", new int[] {3, 4, 5, 6}, new float[4], dev.grpo.contracts.FinishReason.LENGTH));
    completions.add(
        new dev.grpo.contracts.Completion(
            1, "x", new int[] {3, 4}, new float[2], dev.grpo.contracts.FinishReason.STOP));
    var r = g.rollout();
    var rollout =
        new dev.grpo.contracts.RolloutGroup(
            r.schemaVersion(),
            r.runId(),
            r.groupId(),
            r.task(),
            r.policyVersion(),
            r.workerId(),
            completions,
            r.timings(),
            r.createdAt());
    var scores =
        List.of(
            new dev.grpo.contracts.CompletionScore(
                0, 1.0, java.util.Map.of("exact_match", 1.0, "format", 0.5), null, false),
            new dev.grpo.contracts.CompletionScore(
                1, 0.0, java.util.Map.of("exact_match", 0.0, "format", 0.0), null, true));
    var batch =
        List.of(
            new dev.grpo.contracts.ScoredGroup(
                g.schemaVersion(), RUN, "g0", rollout, scores, g.scoringMillis()));

    var m = StepRecord.batchMetrics(batch);

    assertThat(m)
        .containsEntry("completions/mean_length", 3.0)
        .containsEntry("completions/min_length", 2.0)
        .containsEntry("completions/max_length", 4.0)
        .containsEntry("completions/truncated_fraction", 0.5)
        .containsEntry("reward/exact_match/mean", 1.0)
        .containsEntry("reward/format/mean", 0.5);
  }

  @Test
  void noComputeTimeMeansNoThroughputRatherThanInfinity() {
    var t = new StepRecord.Trained(1, 0, 0, metrics(), List.of(scored(RUN, "g0", 0, 1, 0)), 0, 0);
    assertThat(StepRecord.metrics(t)).containsEntry("tokens_per_second", 0.0);
  }

  @Test
  void theRowAndTheGroupsAreRecordedTogetherAndTheEventFollows() throws Exception {
    record.record(step3(true));
    assertThat(store.calls).containsSubsequence("recordStep 3", "send grpo.steps");
    var row = store.steps.get(0);
    assertThat(row.runId).isEqualTo(RUN);
    assertThat(row.step).isEqualTo(3);
    assertThat(row.policyVersion).as("the version the batch was trained at").isEqualTo(2);
    assertThat(row.loss).isEqualTo(0.25);
    assertThat(row.groups).isEqualTo(2);
    assertThat(row.stalenessMean).isEqualTo(1.0);
    assertThat(row.waitMillis).isEqualTo(120);
    assertThat(row.computeMillis).isEqualTo(200);
    assertThat(new ObjectMapper().readValue(row.metrics, Map.class)).containsEntry("kl", 0.01);
    assertThat(store.groups.get("g0").state).isEqualTo(PromptGroupEntity.TRAINED);
    assertThat(store.groups.get("g1").rolloutVersion).isEqualTo(0L);
    assertThat(store.groups.get("g1").trainedStep).isEqualTo(3);

    var sent = events.on(Topics.STEPS);
    assertThat(sent).singleElement().extracting(RecordedEvents.Sent::key).isEqualTo(RUN);
    TrainerStep event = sent.get(0).as(TrainerStep.class);
    assertThat(event.step()).isEqualTo(3);
    assertThat(event.policyVersion()).as("published as the next version").isEqualTo(3);
    assertThat(event.metrics()).isEqualTo(StepRecord.metrics(step3Again()));
    assertThat(event.createdAt()).isEqualTo(NOW);

    assertThat(registry.find("grpo.trainer.groups.trained").counter().count()).isEqualTo(2);
    var staleness = registry.find("grpo.trainer.staleness").summary();
    assertThat(staleness.count()).isEqualTo(2);
    assertThat(staleness.totalAmount()).isEqualTo(2);
  }

  private StepRecord.Trained step3Again() {
    return new StepRecord.Trained(
        3,
        2,
        3,
        metrics(),
        List.of(scored(RUN, "g0", 2, 1, 0), scored(RUN, "g1", 0, 0, 1)),
        120,
        200);
  }

  @Test
  void aStepWithoutCheckpointIsPublishedAsTheVersionInForce() {
    record.record(step3(false));
    assertThat(events.on(Topics.STEPS).get(0).as(TrainerStep.class).policyVersion()).isEqualTo(2);
  }

  @Test
  void aGroupThatIsNoLongerInFlightIsNeverTrainedTwiceAndNothingIsPublished() {
    var t = step3(false);
    store.groups.get("g1").state = PromptGroupEntity.TRAINED;
    assertThatThrownBy(() -> record.record(t)).hasMessageContaining("g1 is not in flight");
    assertThat(store.steps).isEmpty();
    assertThat(events.sent).isEmpty();
  }

  @Test
  void finishedExportsTheTimeSplit() {
    var t = step3(true);
    record.finished(t, 40, 10);
    var timers = registry.find("grpo.trainer.step.time").timers();
    assertThat(timers)
        .extracting(x -> x.getId().getTag("phase"))
        .containsExactlyInAnyOrder("wait", "compute", "checkpoint");
    assertThat(registry.find("grpo.trainer.tokens").counter().count()).isEqualTo(400);
  }

  @Test
  void aNonFiniteLossOrGradientNormFailsTheStep() {
    StepRecord.requireFinite(1, metrics());
    var nanLoss =
        new StepMetrics(
            1, 1, Double.NaN, 0, 0, 0, 0, 0.9, 1e-3, 4, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1);
    assertThatThrownBy(() -> StepRecord.requireFinite(2, nanLoss))
        .hasMessage("step 2 produced a non-finite loss (NaN) or gradient norm (0.9)");
    var infNorm =
        new StepMetrics(
            1,
            1,
            0.1,
            0,
            0,
            0,
            0,
            Double.POSITIVE_INFINITY,
            1e-3,
            4,
            1,
            1,
            0,
            0,
            0,
            1,
            0,
            0,
            0,
            0,
            0,
            1,
            1,
            1);
    assertThatThrownBy(() -> StepRecord.requireFinite(3, infNorm))
        .hasMessageContaining("gradient norm (Infinity)");
  }
}
