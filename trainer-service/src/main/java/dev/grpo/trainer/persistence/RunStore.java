package dev.grpo.trainer.persistence;

import dev.grpo.trainer.run.RunSpec;
import dev.grpo.trainer.run.RunStatus;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every database write of the training loop, one transaction per method, so that each call is one
 * durable fact (a group issued, a step trained, a version published) and a crash between two calls
 * leaves a consistent state that {@link #rollbackTo} can resume from.
 */
@ApplicationScoped
public class RunStore implements RunRecords {
  /** Specs by run id: a stored spec never changes, so it is parsed once per process. */
  private final Map<String, RunSpec> specs = new ConcurrentHashMap<>();

  /** Stores a new RUNNING run with its spec as JSON. */
  public void createRun(String id, RunSpec spec) {
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              var r = new RunEntity();
              r.id = id;
              r.name = spec.name();
              r.status = RunStatus.RUNNING;
              r.config = spec.toJson();
              r.createdAt = Instant.now();
              r.updatedAt = r.createdAt;
              r.persist();
            });
    specs.put(id, spec);
  }

  @Override
  public RunSpec spec(RunEntity run) {
    return specs.computeIfAbsent(run.id, id -> RunSpec.fromJson(run.config));
  }

  @Override
  public Optional<RunEntity> run(String id) {
    return QuarkusTransaction.requiringNew().call(() -> RunEntity.<RunEntity>findByIdOptional(id));
  }

  public List<RunEntity> resumableRuns() {
    return QuarkusTransaction.requiringNew().call(RunEntity::resumable);
  }

  @Override
  public void setStatus(String runId, RunStatus status, String error) {
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              RunEntity r = RunEntity.findById(runId);
              r.status = status;
              if (error != null) {
                r.error = error;
              }
              r.updatedAt = Instant.now();
            });
  }

  @Override
  public void issue(String runId, List<NewGroup> groups, long nextPromptIndex) {
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              Instant now = Instant.now();
              for (NewGroup g : groups) {
                var e = new PromptGroupEntity();
                e.groupId = g.groupId();
                e.runId = runId;
                e.promptId =
                    g.promptId().length() > 512 ? g.promptId().substring(0, 512) : g.promptId();
                e.promptIndex = g.promptIndex();
                e.issuedForStep = g.issuedForStep();
                e.issuedVersion = g.issuedVersion();
                e.state = PromptGroupEntity.ISSUED;
                e.issuedAt = now;
                e.persist();
              }
              RunEntity r = RunEntity.findById(runId);
              r.nextPromptIndex = nextPromptIndex;
              r.updatedAt = now;
            });
  }

  @Override
  public void markSent(Collection<String> groupIds) {
    if (groupIds.isEmpty()) {
      return;
    }
    QuarkusTransaction.requiringNew()
        .run(
            () ->
                PromptGroupEntity.update("sent = true where groupId in ?1", List.copyOf(groupIds)));
  }

  @Override
  public Optional<PromptGroupEntity> group(String groupId) {
    return QuarkusTransaction.requiringNew()
        .call(() -> PromptGroupEntity.<PromptGroupEntity>findByIdOptional(groupId));
  }

  @Override
  public boolean drop(String groupId, String reason, Long rolloutVersion) {
    return QuarkusTransaction.requiringNew()
        .call(
            () -> {
              long n =
                  PromptGroupEntity.update(
                      "state = ?1, dropReason = ?2, rolloutVersion = ?3, decidedAt = ?4 where"
                          + " groupId = ?5 and state = ?6",
                      PromptGroupEntity.DROPPED,
                      reason,
                      rolloutVersion,
                      Instant.now(),
                      groupId,
                      PromptGroupEntity.ISSUED);
              return n == 1;
            });
  }

  @Override
  public void recordStep(TrainingStepEntity step, List<TrainedGroup> groups) {
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              Instant now = Instant.now();
              for (TrainedGroup g : groups) {
                long n =
                    PromptGroupEntity.update(
                        "state = ?1, trainedStep = ?2, rolloutVersion = ?3, decidedAt = ?4 where"
                            + " groupId = ?5 and state = ?6",
                        PromptGroupEntity.TRAINED,
                        step.step,
                        g.rolloutVersion(),
                        now,
                        g.groupId(),
                        PromptGroupEntity.ISSUED);
                if (n != 1) {
                  throw new IllegalStateException(
                      "group " + g.groupId() + " is not in flight; refusing to train it twice");
                }
              }
              step.createdAt = now;
              step.persist();
              RunEntity r = RunEntity.findById(step.runId);
              r.completedSteps = step.step;
              r.updatedAt = now;
            });
  }

  @Override
  public void recordVersion(String runId, long version, long step, String uri, String sha256) {
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              var v = new PolicyVersionEntity();
              v.runId = runId;
              v.version = version;
              v.step = step;
              v.checkpointUri = uri;
              v.sha256 = sha256;
              v.createdAt = Instant.now();
              v.persist();
              RunEntity r = RunEntity.findById(runId);
              r.currentVersion = version;
              r.checkpointStep = (int) step;
              r.updatedAt = v.createdAt;
            });
  }

  @Override
  public Optional<PolicyVersionEntity> latestVersion(String runId) {
    return QuarkusTransaction.requiringNew().call(() -> PolicyVersionEntity.latest(runId));
  }

  @Override
  public Optional<PolicyVersionEntity> version(String runId, long version) {
    return QuarkusTransaction.requiringNew()
        .call(
            () ->
                PolicyVersionEntity.<PolicyVersionEntity>find(
                        "runId = ?1 and version = ?2", runId, version)
                    .firstResultOptional());
  }

  @Override
  public void recordEval(String runId, int step, Map<String, Double> accuracy, int examples) {
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              EvalResultEntity.delete("runId = ?1 and step = ?2", runId, step);
              Instant now = Instant.now();
              accuracy.forEach(
                  (checker, acc) -> {
                    var e = new EvalResultEntity();
                    e.runId = runId;
                    e.step = step;
                    e.checker = checker;
                    e.accuracy = acc;
                    e.examples = examples;
                    e.createdAt = now;
                    e.persist();
                  });
            });
  }

  @Override
  public GroupLedger rollbackTo(String runId, int checkpointStep, Set<String> trainedInCheckpoint) {
    return QuarkusTransaction.requiringNew()
        .call(
            () -> {
              TrainingStepEntity.delete("runId = ?1 and step > ?2", runId, checkpointStep);
              EvalResultEntity.delete("runId = ?1 and step > ?2", runId, checkpointStep);
              List<PromptGroupEntity> trained =
                  PromptGroupEntity.inState(runId, PromptGroupEntity.TRAINED);
              for (PromptGroupEntity g : trained) {
                if (!trainedInCheckpoint.contains(g.groupId)) {
                  g.state = PromptGroupEntity.ISSUED;
                  g.trainedStep = null;
                  g.rolloutVersion = null;
                  g.decidedAt = null;
                }
              }
              RunEntity r = RunEntity.findById(runId);
              r.completedSteps = checkpointStep;
              r.updatedAt = Instant.now();
              var inFlight = PromptGroupEntity.inState(runId, PromptGroupEntity.ISSUED);
              for (PromptGroupEntity g : inFlight) {
                if (trainedInCheckpoint.contains(g.groupId)) {
                  throw new IllegalStateException(
                      "group "
                          + g.groupId
                          + " is in the checkpoint of step "
                          + checkpointStep
                          + " but not recorded as trained; the database and the checkpoint"
                          + " disagree");
                }
              }
              List<String> decided =
                  PromptGroupEntity.<PromptGroupEntity>list(
                          "runId = ?1 and state <> ?2", runId, PromptGroupEntity.ISSUED)
                      .stream()
                      .map(g -> g.groupId)
                      .toList();
              return new GroupLedger(inFlight, decided);
            });
  }

  /** Counts of the run's groups: issued, inFlight, trained, dropped (total and by reason). */
  public Map<String, Object> accounting(String runId) {
    return QuarkusTransaction.requiringNew()
        .call(
            () -> {
              Map<String, Object> out = new java.util.LinkedHashMap<>();
              long issued = PromptGroupEntity.count("runId", runId);
              long inFlight =
                  PromptGroupEntity.count(
                      "runId = ?1 and state = ?2", runId, PromptGroupEntity.ISSUED);
              long trained =
                  PromptGroupEntity.count(
                      "runId = ?1 and state = ?2", runId, PromptGroupEntity.TRAINED);
              Map<String, Long> dropped = new HashMap<>();
              for (PromptGroupEntity g :
                  PromptGroupEntity.<PromptGroupEntity>list(
                      "runId = ?1 and state = ?2", runId, PromptGroupEntity.DROPPED)) {
                dropped.merge(g.dropReason, 1L, Long::sum);
              }
              out.put("issued", issued);
              out.put("inFlight", inFlight);
              out.put("trained", trained);
              out.put("dropped", new java.util.TreeMap<>(dropped));
              return out;
            });
  }

  @Override
  public void setCheckpointMillis(String runId, int step, long millis) {
    QuarkusTransaction.requiringNew()
        .run(
            () ->
                TrainingStepEntity.update(
                    "checkpointMillis = ?1 where runId = ?2 and step = ?3", millis, runId, step));
  }
}
