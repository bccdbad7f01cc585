package dev.grpo.trainer.service;

import dev.grpo.contracts.DeadLetter;
import dev.grpo.contracts.ScoredGroup;
import dev.grpo.trainer.persistence.PromptGroupEntity;
import dev.grpo.trainer.persistence.RunEntity;
import dev.grpo.trainer.run.RunSpec;
import dev.grpo.trainer.run.RunStatus;
import dev.grpo.trainer.service.FaultInjector.SimulatedCrash;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The runs active on the training thread, and where each incoming record goes: a scored group or a
 * dead letter of an active run to its {@link RunController}; one of a run that has ended is counted
 * as dropped ({@code run_<status>}, never silently lost); one that no run issued is dead-lettered.
 * A run whose controller throws is failed, and the others go on; only a {@link SimulatedCrash}
 * kills the loop. Not thread-safe: only the training thread calls it.
 */
public final class TrainingRuns {
  private static final Logger LOG = Logger.getLogger(TrainingRuns.class);

  private final RunEnv env;
  private final Map<String, RunController> controllers = new LinkedHashMap<>();

  public TrainingRuns(RunEnv env) {
    this.env = env;
  }

  /** Starts a run that was just created in the database; a failure to start fails the run. */
  public void start(String runId, RunSpec spec) {
    try {
      controllers.put(runId, RunController.start(runId, spec, env));
    } catch (SimulatedCrash e) {
      throw e;
    } catch (RuntimeException e) {
      LOG.errorf(e, "run %s failed to start", runId);
      env.store().setStatus(runId, RunStatus.FAILED, "failed to start: " + e);
    }
  }

  /** Resumes every RUNNING or PAUSED run; one that cannot be resumed is failed. */
  public void resume(List<RunEntity> runs) {
    for (RunEntity r : runs) {
      try {
        var spec = env.store().spec(r);
        controllers.put(r.id, RunController.resume(r.id, spec, r.status, r.nextPromptIndex, env));
      } catch (SimulatedCrash e) {
        throw e;
      } catch (Exception e) {
        LOG.errorf(e, "run %s cannot be resumed", r.id);
        env.store().setStatus(r.id, RunStatus.FAILED, "cannot resume: " + e);
      }
    }
  }

  /** The trainer's spans of each group's trace. */
  public GroupTraces traces() {
    return env.traces();
  }

  /** Runs active here. */
  public int size() {
    return controllers.size();
  }

  /** Whether {@code runId} is active here: its groups' records are settled by its controller. */
  public boolean isActive(String runId) {
    return controllers.containsKey(runId);
  }

  /**
   * A scored group arrived. Returns the reason to dead-letter its record, or empty when it was
   * taken (by its run, or counted as dropped for a run that has ended).
   */
  public Optional<String> onScored(ScoredGroup g) {
    RunController c = controllers.get(g.runId());
    if (c == null) {
      return ofEndedRun(g);
    }
    try {
      c.onScored(g);
    } catch (UnusableGroupException e) {
      if (e.stray() != null) {
        env.metrics().stray(e.stray().tag());
      }
      return Optional.of(e.getMessage());
    } catch (SimulatedCrash e) {
      throw e;
    } catch (RuntimeException e) {
      fail(c, e);
    }
    return Optional.empty();
  }

  private Optional<String> ofEndedRun(ScoredGroup g) {
    var run = env.store().run(g.runId());
    if (run.isEmpty()) {
      env.metrics().stray(StrayGroup.FOREIGN_RUN.tag());
      return Optional.of("unknown run " + g.runId());
    }
    var group = env.store().group(g.groupId());
    if (group.isEmpty()) {
      env.metrics().stray(StrayGroup.UNKNOWN_GROUP.tag());
      return Optional.of("group " + g.groupId() + " was not issued by run " + g.runId());
    }
    env.metrics().stray(StrayGroup.FINISHED_RUN.tag());
    if (PromptGroupEntity.ISSUED.equals(group.get().state)) {
      String reason = DropReason.runEnded(run.get().status);
      env.store().drop(g.groupId(), reason, g.rollout().policyVersion());
      env.metrics().dropped(g.runId(), reason);
      env.traces().dropped(g.runId(), g.groupId(), reason);
    }
    return Optional.empty();
  }

  /**
   * A stage dead-lettered the record of {@code groupId}: the group is dropped ({@link
   * DropReason#deadLetter}) if it is still in flight, freeing its credit for a replacement; an
   * unknown, decided or already scored group is ignored, so a redelivered letter is harmless.
   * Returns whether the group was dropped.
   */
  public boolean onDeadLetter(String groupId, DeadLetter letter) {
    var group = env.store().group(groupId);
    if (group.isEmpty() || !PromptGroupEntity.ISSUED.equals(group.get().state)) {
      LOG.debugf("dead letter for %s ignored: not an in-flight group", groupId);
      return false;
    }
    String runId = group.get().runId;
    String reason = DropReason.deadLetter(letter.stage());
    RunController c = controllers.get(runId);
    boolean dropped;
    if (c != null) {
      boolean[] out = new boolean[1];
      guarded(c, () -> out[0] = c.onDeadLetter(groupId, reason));
      dropped = out[0];
    } else {
      // The run has ended: the group is counted as dropped all the same, never left in flight.
      dropped = env.store().drop(groupId, reason, null);
      if (dropped) {
        env.metrics().dropped(runId, reason);
        env.traces().dropped(runId, groupId, reason);
      }
    }
    if (dropped) {
      LOG.infof(
          "run %s dropped group %s: dead-lettered by %s (%s, %s-%d@%d): %s",
          runId,
          groupId,
          letter.stage(),
          reason,
          letter.sourceTopic(),
          letter.sourcePartition(),
          letter.sourceOffset(),
          letter.reason());
    }
    return dropped;
  }

  /** One turn of every run; runs that have ended are closed and leave. */
  public void tick() {
    for (RunController c : List.copyOf(controllers.values())) {
      guarded(c, c::tick);
    }
    controllers
        .values()
        .removeIf(
            c -> {
              if (c.status().terminal()) {
                closeQuietly(c::releaseBuffered);
                c.close();
                return true;
              }
              return false;
            });
  }

  /**
   * Applies a user's command; a run that is not active here (e.g. still queued to start) gets the
   * resulting status recorded directly.
   */
  public void apply(String runId, RunCommand command) {
    RunController c = controllers.get(runId);
    if (c == null) {
      env.store().setStatus(runId, command.result(), null);
      return;
    }
    switch (command) {
      case PAUSE -> c.pause();
      case RESUME -> c.resume();
      case STOP -> c.stop();
    }
  }

  /** Closes every run's resources (the loop is ending); their database state stays. */
  public void closeAll() {
    controllers.values().forEach(c -> closeQuietly(c::close));
    controllers.clear();
  }

  private void guarded(RunController c, Runnable action) {
    try {
      action.run();
    } catch (SimulatedCrash e) {
      throw e;
    } catch (RuntimeException e) {
      fail(c, e);
    }
  }

  private void fail(RunController c, RuntimeException e) {
    LOG.errorf(e, "run %s failed", c.runId());
    closeQuietly(() -> c.fail(String.valueOf(e)));
  }

  private static void closeQuietly(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      LOG.debugf(e, "ignored while closing");
    }
  }
}
