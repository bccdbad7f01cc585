package dev.grpo.trainer.service;

import static dev.grpo.trainer.service.Groups.scored;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.grpo.contracts.Contracts;
import dev.grpo.contracts.DeadLetter;
import dev.grpo.trainer.metrics.TrainerMetrics;
import dev.grpo.trainer.pacing.OffsetLedger;
import dev.grpo.trainer.persistence.PromptGroupEntity;
import dev.grpo.trainer.persistence.RunEntity;
import dev.grpo.trainer.run.RunSpec;
import dev.grpo.trainer.run.RunStatus;
import dev.grpo.trainer.run.TestRuns;
import dev.grpo.trainer.tasks.TaskGenerators;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Where records go when no run of theirs is active here, and how failures of one run stay with it.
 * (The paths into an active run are covered by {@link RunControllerTest} and the Quarkus tests.)
 */
class TrainingRunsTest {
  private final FakeRunRecords store = new FakeRunRecords();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final RunSpec spec = TestRuns.spec(TestRuns.tiny(2, 1));

  private TrainingRuns runs(TaskGenerators generators) {
    return new TrainingRuns(
        new RunEnv(
            store,
            new RecordedEvents(null),
            new TrainerMetrics(registry),
            null,
            generators,
            Path.of("target/unused"),
            Device.cpu(),
            new OffsetLedger<Integer>(),
            FaultInjector.NONE,
            Clock.systemUTC(),
            TorchWorkers.defaults()));
  }

  private final TrainingRuns runs = runs(TestRuns.GENERATORS);

  private static DeadLetter letter(String stage, String key) {
    return new DeadLetter(
        Contracts.SCHEMA_VERSION,
        stage,
        "gave up",
        "grpo.prompts",
        0,
        7,
        key,
        new byte[0],
        Instant.EPOCH);
  }

  @Test
  void aGroupOfAnUnknownRunIsDeadLettered() {
    assertThat(runs.isActive("nope")).isFalse();
    assertThat(runs.onScored(scored("nope", "nope-g0", 0, 1, 0))).contains("unknown run nope");
  }

  @Test
  void aGroupInFlightOfAnEndedRunIsCountedAsDroppedWithTheRunsStatus() {
    store.addRun("r", spec, RunStatus.STOPPED);
    store.addIssued("r", "r-g0", 0);
    assertThat(runs.onScored(scored("r", "r-g0", 3, 1, 0))).isEmpty();
    var g = store.groups.get("r-g0");
    assertThat(g.state).isEqualTo(PromptGroupEntity.DROPPED);
    assertThat(g.dropReason).isEqualTo("run_stopped");
    assertThat(g.rolloutVersion).isEqualTo(3L);
    assertThat(
            registry
                .find("grpo.trainer.groups.dropped")
                .tag("reason", "run_stopped")
                .counter()
                .count())
        .isEqualTo(1);
  }

  @Test
  void aDecidedGroupOfAnEndedRunIsLeftAsItIs() {
    store.addRun("r", spec, RunStatus.COMPLETED);
    store.addIssued("r", "r-g0", 0).state = PromptGroupEntity.TRAINED;
    assertThat(runs.onScored(scored("r", "r-g0", 0, 1, 0))).isEmpty();
    assertThat(store.state("r-g0")).isEqualTo(PromptGroupEntity.TRAINED);
  }

  @Test
  void aGroupThatAnEndedRunNeverIssuedIsDeadLettered() {
    store.addRun("r", spec, RunStatus.COMPLETED);
    assertThat(runs.onScored(scored("r", "r-g9", 0, 1, 0)))
        .contains("group r-g9 was not issued by run r");
  }

  @Test
  void aDeadLetterDropsAGroupInFlightOfAnEndedRunOnce() {
    store.addRun("r", spec, RunStatus.FAILED);
    store.addIssued("r", "r-g0", 0);
    assertThat(runs.onDeadLetter("r-g0", letter("rollout-service/generate", "r-g0"))).isTrue();
    assertThat(store.groups.get("r-g0").dropReason).isEqualTo("dead_letter:rollout/generate");
    assertThat(runs.onDeadLetter("r-g0", letter("rollout-service/generate", "r-g0"))).isFalse();
    assertThat(runs.onDeadLetter("other", letter("reward-service/score", "other"))).isFalse();
    assertThat(
            registry
                .find("grpo.trainer.groups.dropped")
                .tag("reason", "dead_letter:rollout/generate")
                .counter()
                .count())
        .isEqualTo(1);
  }

  @Test
  void aCommandForARunThatIsNotActiveHereRecordsTheResultingStatus() {
    store.addRun("r", spec, RunStatus.RUNNING);
    runs.apply("r", RunCommand.PAUSE);
    assertThat(store.runs.get("r").status).isEqualTo(RunStatus.PAUSED);
    runs.apply("r", RunCommand.RESUME);
    assertThat(store.runs.get("r").status).isEqualTo(RunStatus.RUNNING);
    runs.apply("r", RunCommand.STOP);
    assertThat(store.runs.get("r").status).isEqualTo(RunStatus.STOPPED);
  }

  @Test
  void aRunThatCannotBeResumedFailsWithTheReasonAndTheOthersGoOn() {
    RunEntity broken = store.addRun("broken", spec, RunStatus.RUNNING);
    broken.config = "{not json";
    runs.resume(List.of(broken));
    assertThat(runs.size()).isZero();
    assertThat(store.runs.get("broken").status).isEqualTo(RunStatus.FAILED);
    assertThat(store.runs.get("broken").error).startsWith("cannot resume: ");
  }

  @Test
  void aRunThatCannotStartFailsWithTheReason() {
    // Its checkpoint has gone since the request was validated (no policy is loaded: no libtorch).
    var gone =
        new RunSpec(
            spec.name(),
            new RunSpec.ModelSpec("/nonexistent/checkpoint", null, null),
            spec.dataset(),
            spec.rewardSpec(),
            spec.groupSize(),
            spec.groupsPerStep(),
            spec.maxStaleness(),
            spec.dynamicSampling(),
            spec.sampling(),
            spec.loss(),
            spec.optimizer(),
            spec.steps(),
            spec.eval(),
            spec.checkpointEvery(),
            spec.seed(),
            spec.trainer());
    store.addRun("r", gone, RunStatus.RUNNING);
    runs.start("r", gone);
    assertThat(runs.isActive("r")).isFalse();
    assertThat(store.runs.get("r").status).isEqualTo(RunStatus.FAILED);
    assertThat(store.runs.get("r").error)
        .startsWith("failed to start: ")
        .contains("checkpoint directory not found: /nonexistent/checkpoint");
  }

  @Test
  void aSimulatedCrashIsNeverSwallowed() {
    var crashing =
        new TrainingRuns(
            new RunEnv(
                new FakeRunRecords() {
                  @Override
                  public Optional<RunEntity> run(String id) {
                    throw new FaultInjector.SimulatedCrash("killed");
                  }
                },
                new RecordedEvents(null),
                new TrainerMetrics(registry),
                null,
                TestRuns.GENERATORS,
                Path.of("target/unused"),
                Device.cpu(),
                new OffsetLedger<Integer>(),
                FaultInjector.NONE,
                Clock.systemUTC(),
                TorchWorkers.defaults()));
    assertThatThrownBy(() -> crashing.onScored(scored("r", "r-g0", 0, 1, 0)))
        .isInstanceOf(FaultInjector.SimulatedCrash.class);
  }

  @Test
  void tickAndCloseWithoutRunsDoNothing() {
    runs.tick();
    runs.closeAll();
    assertThat(runs.size()).isZero();
    assertThat(store.calls).isEmpty();
  }
}
