package dev.grpo.trainer.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.grpo.contracts.PolicyVersion;
import dev.grpo.contracts.PromptTask;
import dev.grpo.contracts.Topics;
import dev.grpo.contracts.TrainerStep;
import dev.grpo.rewardapi.CheckerRegistry;
import dev.grpo.rewards.GroupScorer;
import dev.grpo.rewards.ScoringLimits;
import dev.grpo.trainer.metrics.TrainerMetrics;
import dev.grpo.trainer.pacing.OffsetLedger;
import dev.grpo.trainer.persistence.PromptGroupEntity;
import dev.grpo.trainer.run.RunSpec;
import dev.grpo.trainer.run.RunStatus;
import dev.grpo.trainer.run.TestRuns;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run's state machine in plain JUnit: a real tiny policy trained by the embedded backend and
 * checkpointed to disk, with a fake database and broker in place of PostgreSQL and Kafka. The test
 * answers each PromptTask the controller sends as the rollout and reward services would.
 */
class RunControllerTest {
  private static final String RUN = "r";

  @TempDir Path root;
  private final FakeRunRecords store = new FakeRunRecords();
  private final RecordedEvents events = new RecordedEvents(null);
  private final OffsetLedger<Integer> ledger = new OffsetLedger<>();
  private ExecutorService pool;
  private RunEnv env;
  private int answered;
  private FaultInjector faults = FaultInjector.NONE;

  @BeforeEach
  void setUp() {
    pool = Executors.newFixedThreadPool(1);
    var scorer = new GroupScorer(CheckerRegistry.fromServiceLoader(), pool, ScoringLimits.DEFAULTS);
    env =
        new RunEnv(
            store,
            events,
            new TrainerMetrics(new SimpleMeterRegistry()),
            new Evaluator(scorer, 64),
            TestRuns.GENERATORS,
            root,
            Device.cpu(),
            ledger,
            (p, r, step) -> faults.at(p, r, step),
            Clock.systemUTC(),
            TorchWorkers.defaults());
  }

  @AfterEach
  void tearDown() {
    pool.shutdownNow();
  }

  private RunSpec spec(int steps, int checkpointEvery) {
    RunSpec spec = TestRuns.spec(TestRuns.tiny(steps, checkpointEvery));
    store.addRun(RUN, spec, RunStatus.RUNNING);
    return spec;
  }

  private List<PromptTask> unanswered() {
    var tasks = events.on(Topics.PROMPTS).stream().map(s -> s.as(PromptTask.class)).toList();
    var out = new ArrayList<>(tasks.subList(answered, tasks.size()));
    answered = tasks.size();
    return out;
  }

  /** The latest PromptTask sent for a group (a resent one replaces the first). */
  private PromptTask lastTaskOf(String groupId) {
    PromptTask last = null;
    for (var s : events.on(Topics.PROMPTS)) {
      if (s.key().equals(groupId)) {
        last = s.as(PromptTask.class);
      }
    }
    return last;
  }

  /** Answers every task sent so far with the version it names, then lets the run tick. */
  private void answerAndTick(RunController c) {
    for (PromptTask t : unanswered()) {
      c.onScored(Groups.answer(t, t.policy().version(), 1, 0, 0, 1));
    }
    c.tick();
  }

  @Test
  void startPublishesVersionZeroEvaluatesAndFillsTheWindow() {
    try (var c = RunController.start(RUN, spec(4, 2), env)) {
      assertThat(c.status()).isEqualTo(RunStatus.RUNNING);
      assertThat(store.versions).extracting(v -> v.version).containsExactly(0L);
      var v0 = events.on(Topics.POLICY).get(0).as(PolicyVersion.class);
      assertThat(v0.step()).isZero();
      assertThat(store.evals).containsOnlyKeys(0);
      assertThat(store.evals.get(0)).containsKeys("exact_match", Evaluator.REWARD);
      var tasks = unanswered();
      assertThat(tasks).hasSize(4).allMatch(t -> t.policy().version() == 0);
      assertThat(tasks.get(0).policy().checkpointUri()).isEqualTo(v0.checkpointUri());
    }
  }

  @Test
  void aRunTrainsItsStepsCheckpointsEveryKStepsAndCompletes() {
    try (var c = RunController.start(RUN, spec(4, 2), env)) {
      for (int i = 0; i < 10 && c.status() == RunStatus.RUNNING; i++) {
        answerAndTick(c);
      }
      assertThat(c.status()).isEqualTo(RunStatus.COMPLETED);
      assertThat(store.runs.get(RUN).status).isEqualTo(RunStatus.COMPLETED);
      assertThat(store.steps).extracting(s -> s.step).containsExactly(1, 2, 3, 4);
      assertThat(store.steps).allMatch(s -> s.groups == 2 && Double.isFinite(s.loss));
      assertThat(store.versions).extracting(v -> v.step).containsExactly(0L, 2L, 4L);
      assertThat(store.checkpointMillis).containsOnlyKeys(2, 4);
      assertThat(store.evals).containsOnlyKeys(0, 2, 4);
      assertThat(
              events.on(Topics.STEPS).stream()
                  .map(s -> s.as(TrainerStep.class))
                  .map(s -> s.step() + "@v" + s.policyVersion())
                  .toList())
          .containsExactly("1@v0", "2@v1", "3@v1", "4@v2");
      long trained =
          store.groups.values().stream()
              .filter(g -> PromptGroupEntity.TRAINED.equals(g.state))
              .count();
      assertThat(trained).isEqualTo(8);
      var last = store.versions.get(2);
      var state = RunCheckpointer.readRunState(RunCheckpointer.dirOf(last));
      assertThat(new HashSet<>(state.trainedGroupIds()))
          .hasSize(8)
          .allMatch(id -> PromptGroupEntity.TRAINED.equals(store.state(id)));
      c.tick();
      assertThat(unanswered()).as("a completed run issues nothing").isEmpty();
    }
  }

  @Test
  void aPausedRunNeitherTrainsNorIssuesAndResumesWhereItWas() {
    try (var c = RunController.start(RUN, spec(4, 1), env)) {
      c.pause();
      assertThat(store.runs.get(RUN).status).isEqualTo(RunStatus.PAUSED);
      answerAndTick(c);
      assertThat(store.steps).isEmpty();
      assertThat(unanswered()).isEmpty();
      c.resume();
      assertThat(c.status()).isEqualTo(RunStatus.RUNNING);
      c.tick();
      assertThat(store.steps).hasSize(2);
      assertThat(unanswered()).as("credits freed by the two steps").hasSize(4);
    }
  }

  @Test
  void aStoppedOrFailedRunEndsAndSaysWhy() {
    try (var c = RunController.start(RUN, spec(4, 1), env)) {
      c.stop();
      assertThat(c.status().terminal()).isTrue();
      assertThat(store.runs.get(RUN).status).isEqualTo(RunStatus.STOPPED);
      answerAndTick(c);
      assertThat(store.steps).isEmpty();
    }
    try (var c = RunController.start("r2", spec(4, 1), env)) {
      c.fail("boom");
      assertThat(store.runs.get("r2").status).isEqualTo(RunStatus.FAILED);
      assertThat(store.runs.get("r2").error).isEqualTo("boom");
    }
  }

  @Test
  void aResumedRunContinuesFromItsCheckpointAndResendsWhatWasNeverSent() {
    RunSpec spec = spec(6, 2);
    faults =
        (point, runId, step) -> {
          if (point == FaultInjector.Point.AFTER_STEP && step == 3) {
            throw new FaultInjector.SimulatedCrash("killed after step 3, before its checkpoint");
          }
        };
    var c = RunController.start(RUN, spec, env);
    answerAndTick(c);
    assertThat(store.steps).hasSize(2);
    for (PromptTask t : unanswered().subList(0, 2)) {
      c.onScored(Groups.answer(t, t.policy().version(), 1, 0, 0, 1));
    }
    assertThatThrownBy(c::tick).isInstanceOf(FaultInjector.SimulatedCrash.class);
    c.close();
    faults = FaultInjector.NONE;
    assertThat(store.steps).extracting(s -> s.step).containsExactly(1, 2, 3);
    // One of the groups in flight was recorded but its PromptTask never acknowledged.
    var unsent =
        store.groups.values().stream()
            .filter(g -> PromptGroupEntity.ISSUED.equals(g.state))
            .reduce((a, b) -> b)
            .orElseThrow();
    unsent.sent = false;
    // ... and never reached the log (one that did is not sent again: see PromptIssuerTest).
    events.sent.removeIf(r -> r.topic().equals(Topics.PROMPTS) && r.key().equals(unsent.groupId));
    int published = events.on(Topics.POLICY).size();
    answered = events.on(Topics.PROMPTS).size();
    long next = store.runs.get(RUN).nextPromptIndex;

    try (var resumed = RunController.resume(RUN, spec, RunStatus.RUNNING, next, env)) {
      assertThat(store.steps)
          .as("rolled back to the checkpoint of step 2")
          .extracting(s -> s.step)
          .containsExactly(1, 2);
      assertThat(events.on(Topics.POLICY)).as("version 1 republished").hasSize(published + 1);
      var sentAgain = unanswered();
      assertThat(sentAgain).extracting(PromptTask::groupId).containsExactly(unsent.groupId);
      // The rollout side answers each group in flight once (a redelivery is skipped anyway).
      for (int i = 0; i < 10 && resumed.status() == RunStatus.RUNNING; i++) {
        for (var g : List.copyOf(store.groups.values())) {
          if (PromptGroupEntity.ISSUED.equals(g.state)) {
            PromptTask t = lastTaskOf(g.groupId);
            resumed.onScored(Groups.answer(t, t.policy().version(), 1, 0, 0, 1));
          }
        }
        resumed.tick();
      }
      assertThat(resumed.status()).isEqualTo(RunStatus.COMPLETED);
      assertThat(store.steps).extracting(s -> s.step).containsExactly(1, 2, 3, 4, 5, 6);
      var state =
          RunCheckpointer.readRunState(
              RunCheckpointer.dirOf(store.latestVersion(RUN).orElseThrow()));
      assertThat(state.trainedGroupIds()).hasSize(12).doesNotHaveDuplicates();
    }
  }
}
