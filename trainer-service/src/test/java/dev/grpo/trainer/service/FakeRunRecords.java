package dev.grpo.trainer.service;

import dev.grpo.trainer.persistence.PolicyVersionEntity;
import dev.grpo.trainer.persistence.PromptGroupEntity;
import dev.grpo.trainer.persistence.RunEntity;
import dev.grpo.trainer.persistence.RunRecords;
import dev.grpo.trainer.persistence.TrainingStepEntity;
import dev.grpo.trainer.run.RunSpec;
import dev.grpo.trainer.run.RunStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The database of plain tests: {@link RunRecords} on maps, with the same state rules as {@code
 * RunStore} (a group is decided once; a step trains only groups in flight), and a log of the calls
 * in order, so tests can check what was written before what was sent.
 */
class FakeRunRecords implements RunRecords {
  final Map<String, RunEntity> runs = new LinkedHashMap<>();
  final Map<String, PromptGroupEntity> groups = new LinkedHashMap<>();
  final List<TrainingStepEntity> steps = new ArrayList<>();
  final List<PolicyVersionEntity> versions = new ArrayList<>();
  final Map<Integer, Map<String, Double>> evals = new LinkedHashMap<>();
  final Map<Integer, Long> checkpointMillis = new LinkedHashMap<>();
  final List<String> calls = new ArrayList<>();

  /** Adds a run row as {@code POST /runs} would. */
  RunEntity addRun(String id, RunSpec spec, RunStatus status) {
    var r = new RunEntity();
    r.id = id;
    r.name = spec.name();
    r.status = status;
    r.config = spec.toJson();
    runs.put(id, r);
    return r;
  }

  /** Adds a group in flight, as if issued and sent. */
  PromptGroupEntity addIssued(String runId, String groupId, long promptIndex) {
    var g = new PromptGroupEntity();
    g.groupId = groupId;
    g.runId = runId;
    g.promptIndex = promptIndex;
    g.state = PromptGroupEntity.ISSUED;
    g.sent = true;
    g.issuedAt = java.time.Instant.parse("2026-03-01T12:00:00Z");
    groups.put(groupId, g);
    return g;
  }

  String state(String groupId) {
    return groups.get(groupId).state;
  }

  @Override
  public Optional<PromptGroupEntity> group(String groupId) {
    return Optional.ofNullable(groups.get(groupId));
  }

  @Override
  public void issue(String runId, List<NewGroup> newGroups, long nextPromptIndex) {
    calls.add("issue " + newGroups.size());
    for (NewGroup n : newGroups) {
      if (groups.containsKey(n.groupId())) {
        throw new IllegalStateException("duplicate key " + n.groupId());
      }
      var g = addIssued(runId, n.groupId(), n.promptIndex());
      g.sent = false;
      g.promptId = n.promptId();
      g.issuedForStep = n.issuedForStep();
      g.issuedVersion = n.issuedVersion();
    }
    runs.computeIfAbsent(runId, id -> new RunEntity()).nextPromptIndex = nextPromptIndex;
  }

  @Override
  public void markSent(Collection<String> groupIds) {
    calls.add("markSent " + groupIds.size());
    groupIds.forEach(id -> groups.get(id).sent = true);
  }

  @Override
  public boolean drop(String groupId, String reason, Long rolloutVersion) {
    var g = groups.get(groupId);
    if (g == null || !PromptGroupEntity.ISSUED.equals(g.state)) {
      return false;
    }
    calls.add("drop " + groupId + " " + reason);
    g.state = PromptGroupEntity.DROPPED;
    g.dropReason = reason;
    g.rolloutVersion = rolloutVersion;
    return true;
  }

  @Override
  public void recordStep(TrainingStepEntity step, List<TrainedGroup> trained) {
    for (TrainedGroup t : trained) {
      var g = groups.get(t.groupId());
      if (g == null || !PromptGroupEntity.ISSUED.equals(g.state)) {
        throw new IllegalStateException("group " + t.groupId() + " is not in flight");
      }
    }
    calls.add("recordStep " + step.step);
    for (TrainedGroup t : trained) {
      var g = groups.get(t.groupId());
      g.state = PromptGroupEntity.TRAINED;
      g.trainedStep = step.step;
      g.rolloutVersion = t.rolloutVersion();
    }
    steps.add(step);
  }

  @Override
  public void setCheckpointMillis(String runId, int step, long millis) {
    checkpointMillis.put(step, millis);
  }

  @Override
  public void recordEval(String runId, int step, Map<String, Double> accuracy, int examples) {
    evals.put(step, accuracy);
  }

  @Override
  public void recordVersion(String runId, long version, long step, String uri, String sha256) {
    calls.add("recordVersion " + version);
    var v = new PolicyVersionEntity();
    v.runId = runId;
    v.version = version;
    v.step = step;
    v.checkpointUri = uri;
    v.sha256 = sha256;
    v.createdAt = Instant.parse("2026-01-01T00:00:00Z");
    versions.add(v);
  }

  @Override
  public Optional<PolicyVersionEntity> latestVersion(String runId) {
    return versions.stream().filter(v -> v.runId.equals(runId)).reduce((a, b) -> b);
  }

  @Override
  public Optional<PolicyVersionEntity> version(String runId, long version) {
    return versions.stream().filter(v -> v.runId.equals(runId) && v.version == version).findFirst();
  }

  @Override
  public GroupLedger rollbackTo(String runId, int checkpointStep, Set<String> trainedInCheckpoint) {
    calls.add("rollbackTo " + checkpointStep);
    steps.removeIf(s -> s.step > checkpointStep);
    for (var g : groups.values()) {
      if (PromptGroupEntity.TRAINED.equals(g.state) && !trainedInCheckpoint.contains(g.groupId)) {
        g.state = PromptGroupEntity.ISSUED;
        g.trainedStep = null;
      }
    }
    var inFlight =
        groups.values().stream()
            .filter(g -> g.runId.equals(runId) && PromptGroupEntity.ISSUED.equals(g.state))
            .toList();
    var decided =
        groups.values().stream()
            .filter(g -> g.runId.equals(runId) && !PromptGroupEntity.ISSUED.equals(g.state))
            .map(g -> g.groupId)
            .toList();
    return new GroupLedger(inFlight, decided);
  }

  @Override
  public Optional<RunEntity> run(String id) {
    return Optional.ofNullable(runs.get(id));
  }

  @Override
  public void setStatus(String runId, RunStatus status, String error) {
    calls.add("setStatus " + status);
    var r = runs.computeIfAbsent(runId, id -> new RunEntity());
    r.status = status;
    if (error != null) {
      r.error = error;
    }
  }

  @Override
  public RunSpec spec(RunEntity run) {
    return RunSpec.fromJson(run.config);
  }
}
