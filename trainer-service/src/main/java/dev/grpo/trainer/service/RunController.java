package dev.grpo.trainer.service;

import dev.grpo.contracts.ScoredGroup;
import dev.grpo.policy.train.StepMetrics;
import dev.grpo.trainer.pacing.CreditWindow;
import dev.grpo.trainer.persistence.PolicyVersionEntity;
import dev.grpo.trainer.run.PolicyConfigs;
import dev.grpo.trainer.run.RunResources;
import dev.grpo.trainer.run.RunSpec;
import dev.grpo.trainer.run.RunStatus;
import dev.grpo.trainer.service.FaultInjector.Point;
import dev.grpo.trainer.service.GroupIntake.Pending;
import dev.grpo.trainer.tasks.PromptDataset;
import java.nio.file.Path;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The state machine of one run on the training thread: RUNNING and PAUSED until it COMPLETES its
 * steps, is STOPPED, or FAILS. The work is done by its pieces: {@link GroupIntake} decides on each
 * scored group and buffers the usable ones, {@link PromptIssuer} keeps the {@link CreditWindow}
 * full, a {@link TrainingBackend} computes each step, {@link StepRecord} persists and publishes it,
 * {@link RunCheckpointer} saves, records and publishes versions, {@link HeldOutEval} evaluates. Not
 * thread-safe: only the training loop's thread calls it.
 */
public final class RunController implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(RunController.class);

  private final String runId;
  private final RunSpec spec;
  private final RunEnv env;
  private final RunPolicy policy;
  private final TrainingBackend backend;
  private final GroupIntake intake;
  private final PromptIssuer issuer;
  private final StepRecord steps;
  private final RunCheckpointer checkpoints;
  private final HeldOutEval eval;
  private RunStatus status;
  private int completedSteps;
  private long lastStepEndNanos = System.nanoTime();

  private RunController(String runId, RunSpec spec, RunEnv env, RunPolicy policy, RunStatus s) {
    this.runId = runId;
    this.spec = spec;
    this.env = env;
    this.policy = policy;
    this.status = s;
    PromptDataset dataset = RunResources.dataset(spec, env.generators());
    var window = new CreditWindow(spec.groupsPerStep(), spec.maxStaleness());
    this.backend = backend(runId, spec, env, policy);
    this.intake = GroupIntake.of(runId, spec, window, env, policy, dataset);
    this.issuer = PromptIssuer.of(runId, spec, dataset, window, env);
    this.steps = StepRecord.of(runId, env);
    this.checkpoints = RunCheckpointer.of(runId, spec, backend, env);
    this.eval = HeldOutEval.of(runId, spec, dataset, env);
  }

  /** The backend the run names: the embedded trainer, or a group of torch worker ranks. */
  private static TrainingBackend backend(String runId, RunSpec spec, RunEnv env, RunPolicy policy) {
    var config = PolicyConfigs.trainer(spec);
    if (spec.trainer().backend() == RunSpec.TrainerBackend.TORCH) {
      var workers = env.torchWorkers();
      return new TorchBackend(
          runId,
          policy.model(),
          policy.tokenizer(),
          policy.reference(),
          config,
          workers.spec(spec.trainer().workers()),
          workers.timeouts());
    }
    return new EmbeddedBackend(runId, policy, config);
  }

  private static RunController create(
      String runId, RunSpec spec, RunEnv env, RunPolicy policy, RunStatus status) {
    try {
      var c = new RunController(runId, spec, env, policy, status);
      env.metrics().dropReasons(runId, DropReason.known());
      return c;
    } catch (RuntimeException e) {
      policy.close();
      throw e;
    }
  }

  /**
   * Starts a new run: initial policy, version 0 saved and published, evaluation at step 0, first
   * prompts.
   */
  public static RunController start(String runId, RunSpec spec, RunEnv env) {
    var policy = RunPolicy.initial(spec, env.device());
    var c = create(runId, spec, env, policy, RunStatus.RUNNING);
    c.checkpoints.save(0, c.issuer.nextPromptIndex());
    c.eval.evaluateIfDue(0, policy);
    c.issue();
    LOG.infof(
        "run %s started: %s, G=%d, %d groups/step, maxStaleness=%d, %d steps",
        runId,
        spec.name(),
        spec.groupSize(),
        spec.groupsPerStep(),
        spec.maxStaleness(),
        spec.steps());
    return c;
  }

  /**
   * Resumes a run after a restart from its latest recorded checkpoint: weights, optimizer and
   * trainer state, the trained group ids; the database is rolled back to that checkpoint, the
   * PromptTasks that were recorded but never acknowledged are sent again, and the latest
   * PolicyVersion is published again.
   */
  public static RunController resume(
      String runId, RunSpec spec, RunStatus status, long nextPromptIndex, RunEnv env) {
    var latest = env.store().latestVersion(runId);
    if (latest.isEmpty()) {
      // Crashed before version 0 was recorded: nothing was issued, start over.
      LOG.infof("run %s has no checkpoint yet; starting it from the beginning", runId);
      return start(runId, spec, env);
    }
    PolicyVersionEntity v = latest.get();
    Path dir = RunCheckpointer.verifiedDir(v);
    Path initialDir =
        spec.loss().beta() > 0
            ? RunCheckpointer.dirOf(env.store().version(runId, 0).orElseThrow())
            : null;
    var policy = RunPolicy.fromCheckpoint(dir, initialDir, env.device());
    var c = create(runId, spec, env, policy, status);
    c.backend.loadState(dir);
    var restored = c.checkpoints.restore(v);
    c.intake.restore(restored.groups());
    c.checkpoints.resumeAt(v, restored.state());
    c.completedSteps = restored.state().step();
    c.issuer.restore(nextPromptIndex);
    c.checkpoints.republish(v);
    int resent = c.issuer.resend(restored.groups().inFlight(), c.checkpoints.latestRef());
    LOG.infof(
        "run %s resumed at step %d from version %d (%d groups in flight, %d re-sent)",
        runId, c.completedSteps, v.version, restored.groups().inFlight().size(), resent);
    c.issue();
    return c;
  }

  public String runId() {
    return runId;
  }

  public RunStatus status() {
    return status;
  }

  /**
   * A scored group of this run arrived (the loop already recorded its offset as received).
   *
   * @throws UnusableGroupException when it must be dead-lettered
   */
  public void onScored(ScoredGroup g) {
    intake.offer(g, checkpoints.currentVersion());
  }

  /**
   * A stage dead-lettered one of this run's groups: dropped with {@code reason} if still in flight
   * (see {@link GroupIntake#dropDeadLettered}); the next {@link #tick} issues a replacement.
   */
  public boolean onDeadLetter(String groupId, String reason) {
    return intake.dropDeadLettered(groupId, reason);
  }

  /** Trains every step the buffer allows, then tops the window up. Called once per loop turn. */
  public void tick() {
    while (status == RunStatus.RUNNING
        && completedSteps < spec.steps()
        && intake.readyForStep(checkpoints.currentVersion())) {
      trainOneStep();
    }
    if (status == RunStatus.RUNNING && completedSteps >= spec.steps()) {
      become(RunStatus.COMPLETED, null);
      LOG.infof(
          "run %s completed %d steps; final policy version %d at %s",
          runId,
          completedSteps,
          checkpoints.currentVersion(),
          checkpoints.latestRef().checkpointUri());
    }
    issue();
    env.metrics().inFlight(runId, intake.inFlight());
  }

  public void pause() {
    if (status == RunStatus.RUNNING) {
      become(RunStatus.PAUSED, null);
      LOG.infof("run %s paused at step %d", runId, completedSteps);
    }
  }

  public void resume() {
    if (status == RunStatus.PAUSED) {
      become(RunStatus.RUNNING, null);
      lastStepEndNanos = System.nanoTime();
      LOG.infof("run %s resumed at step %d", runId, completedSteps);
    }
  }

  /** Stops for good; groups still in flight are dropped as they arrive ({@code run_stopped}). */
  public void stop() {
    become(RunStatus.STOPPED, null);
    LOG.infof("run %s stopped at step %d", runId, completedSteps);
  }

  /** Marks the run failed with a reason. */
  public void fail(String error) {
    become(RunStatus.FAILED, error);
    LOG.errorf("run %s failed at step %d: %s", runId, completedSteps, error);
  }

  private void become(RunStatus next, String error) {
    status = next;
    env.store().setStatus(runId, next, error);
  }

  private void issue() {
    if (status == RunStatus.RUNNING) {
      issuer.issue(completedSteps, checkpoints.currentVersion(), checkpoints.latestRef());
    }
  }

  private void trainOneStep() {
    long t0 = System.nanoTime();
    long waitMillis = (t0 - lastStepEndNanos) / 1_000_000;
    int step = completedSteps + 1;
    List<Pending> batch = intake.nextBatch();
    StepMetrics m = backend.step(step, batch.stream().map(Pending::training).toList());
    long computeMillis = (System.nanoTime() - t0) / 1_000_000;
    env.faults().at(Point.MID_STEP, runId, step);
    StepRecord.requireFinite(step, m);
    boolean checkpointDue = step % spec.checkpointEvery() == 0 || step == spec.steps();
    long version = checkpoints.currentVersion();
    var trained =
        new StepRecord.Trained(
            step,
            version,
            checkpointDue ? version + 1 : version,
            m,
            batch.stream().map(Pending::group).toList(),
            waitMillis,
            computeMillis);
    steps.record(trained);
    intake.trained(batch);
    var groupIds = batch.stream().map(p -> p.group().groupId()).toList();
    checkpoints.trained(groupIds);
    env.traces().trained(runId, groupIds, step, version, t0);
    completedSteps = step;
    env.faults().at(Point.AFTER_STEP, runId, step);
    long checkpointMillis = 0;
    if (checkpointDue) {
      long c0 = System.nanoTime();
      checkpoints.save(step, issuer.nextPromptIndex());
      checkpointMillis = (System.nanoTime() - c0) / 1_000_000;
      env.store().setCheckpointMillis(runId, step, checkpointMillis);
    }
    steps.finished(trained, checkpointMillis, spec.steps());
    if (eval.dueAt(completedSteps)) {
      backend.syncPolicy();
    }
    eval.evaluateIfDue(completedSteps, policy);
    lastStepEndNanos = System.nanoTime();
  }

  /**
   * The run has ended (a terminal status): its buffered groups are dropped as {@code run_<status>},
   * so the trainer's committed position does not wait for groups no step will take.
   */
  public void releaseBuffered() {
    intake.dropBuffered(DropReason.runEnded(status));
  }

  @Override
  public void close() {
    backend.close();
    policy.close();
  }
}
