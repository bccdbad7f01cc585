package dev.grpo.trainer.service;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grpo.contracts.Contracts;
import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.PolicyRef;
import dev.grpo.contracts.PolicyVersion;
import dev.grpo.contracts.PromptTask;
import dev.grpo.contracts.ScoredGroup;
import dev.grpo.contracts.Topics;
import dev.grpo.contracts.TrainerStep;
import dev.grpo.policy.checkpoint.HfCheckpoint;
import dev.grpo.policy.checkpoint.LoadedCheckpoint;
import dev.grpo.policy.model.LlamaModel;
import dev.grpo.policy.sampling.SamplingConfig;
import dev.grpo.policy.tokenizer.Tokenizer;
import dev.grpo.policy.train.GrpoTrainer;
import dev.grpo.policy.train.GrpoTrainerConfig;
import dev.grpo.policy.train.StepMetrics;
import dev.grpo.policy.train.TrainingGroup;
import dev.grpo.trainer.metrics.TrainerMetrics;
import dev.grpo.trainer.pacing.CreditWindow;
import dev.grpo.trainer.pacing.OffsetLedger;
import dev.grpo.trainer.persistence.PolicyVersionEntity;
import dev.grpo.trainer.persistence.PromptGroupEntity;
import dev.grpo.trainer.persistence.RunStore;
import dev.grpo.trainer.persistence.TrainingStepEntity;
import dev.grpo.trainer.run.RunConfig;
import dev.grpo.trainer.run.RunResources;
import dev.grpo.trainer.run.RunStatus;
import dev.grpo.trainer.service.FaultInjector.Point;
import dev.grpo.trainer.tasks.PromptDataset;
import dev.grpo.trainer.tasks.TaskExample;
import dev.grpo.trainer.tasks.TaskGenerators;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * One run on the training thread: issues prompts through its {@link CreditWindow}, takes scored
 * groups, trains a step whenever {@code groupsPerStep} usable groups are buffered, persists and
 * publishes every step, checkpoints every k steps (publishing a {@link PolicyVersion}), evaluates
 * at the configured interval. Not thread-safe: only {@link TrainerLoop}'s thread calls it.
 */
public final class RunController implements AutoCloseable {
  /** File of the run's own resumable state inside each checkpoint directory. */
  public static final String RUN_STATE_FILE = "run_state.json";

  private static final String RUN_STATE_FORMAT = "grpo-run-state-v1";
  private static final Logger LOG = Logger.getLogger(RunController.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What the controller shares with the loop. */
  public record Env(
      RunStore store,
      Producer<String, byte[]> producer,
      TrainerMetrics metrics,
      Evaluator evaluator,
      TaskGenerators generators,
      Path checkpointsRoot,
      Device device,
      OffsetLedger<TopicPartition> ledger,
      FaultInjector faults) {}

  /** A usable group waiting for its step. */
  private record Pending(ScoredGroup group, TrainingGroup training) {}

  private final String runId;
  private final RunConfig config;
  private final Env env;
  private final PromptDataset dataset;
  private final CreditWindow window;
  private final LlamaModel policy;
  private final LlamaModel reference;
  private final Tokenizer tokenizer;
  private final GrpoTrainer trainer;
  private final Map<String, Pending> buffer = new LinkedHashMap<>();
  private final List<String> trainedGroupIds = new ArrayList<>();
  private final List<String> trainedSinceCheckpoint = new ArrayList<>();
  private RunStatus status;
  private int completedSteps;
  private long currentVersion;
  private PolicyRef latestRef;
  private long nextPromptIndex;
  private long lastStepEndNanos = System.nanoTime();

  private RunController(
      String runId,
      RunConfig config,
      Env env,
      LoadedCheckpoint loaded,
      LlamaModel reference,
      RunStatus status) {
    this.runId = runId;
    this.config = config;
    this.env = env;
    this.dataset = RunResources.dataset(config, env.generators());
    this.window = new CreditWindow(config.groupsPerStep(), config.maxStaleness());
    this.policy = loaded.model();
    this.tokenizer = loaded.tokenizer();
    this.reference = reference;
    GrpoTrainerConfig tc = RunResources.trainerConfig(config);
    this.trainer = new GrpoTrainer(policy, reference, tc);
    this.status = status;
  }

  /**
   * Starts a new run: initial policy, version 0 saved and published, evaluation at step 0, first
   * prompts.
   */
  public static RunController start(String runId, RunConfig config, Env env) {
    LoadedCheckpoint loaded = RunResources.initialPolicy(config, env.device());
    LlamaModel reference = config.loss().beta() > 0 ? loaded.model().copyFrozen() : null;
    var c = new RunController(runId, config, env, loaded, reference, RunStatus.RUNNING);
    c.currentVersion = -1;
    c.checkpoint(0);
    c.evaluateIfDue();
    c.issue();
    LOG.infof(
        "run %s started: %s, G=%d, %d groups/step, maxStaleness=%d, %d steps",
        runId,
        config.name(),
        config.groupSize(),
        config.groupsPerStep(),
        config.maxStaleness(),
        config.steps());
    return c;
  }

  /**
   * Resumes a run after a restart from its latest recorded checkpoint: weights, optimizer and
   * trainer state, the trained group ids; the database is rolled back to that checkpoint (see
   * {@link RunStore#rollbackTo}), PromptTasks that were recorded but never acknowledged are sent
   * again, and the latest PolicyVersion is published again (the topic is compacted; republishing is
   * harmless).
   */
  public static RunController resume(
      String runId, RunConfig config, RunStatus status, long nextPromptIndex, Env env) {
    var latest = env.store().latestVersion(runId);
    if (latest.isEmpty()) {
      // Crashed before version 0 was recorded: nothing was issued, start over.
      LOG.infof("run %s has no checkpoint yet; starting it from the beginning", runId);
      return start(runId, config, env);
    }
    PolicyVersionEntity v = latest.get();
    Path dir = Path.of(URI.create(v.checkpointUri));
    String sha = HfCheckpoint.sha256(dir);
    if (!sha.equals(v.sha256)) {
      throw new IllegalStateException(
          "checkpoint " + dir + " has sha256 " + sha + ", recorded " + v.sha256);
    }
    LoadedCheckpoint loaded = HfCheckpoint.load(dir, env.device());
    LlamaModel reference = null;
    if (config.loss().beta() > 0) {
      var v0 = env.store().version(runId, 0).orElseThrow();
      try (LoadedCheckpoint ref =
          HfCheckpoint.load(Path.of(URI.create(v0.checkpointUri)), env.device())) {
        reference = ref.model().copyFrozen();
      }
    }
    var c = new RunController(runId, config, env, loaded, reference, status);
    c.trainer.loadState(dir);
    JsonNode state = readRunState(dir);
    int step = state.get("step").asInt();
    Set<String> trained = new HashSet<>();
    state.get("trainedGroupIds").forEach(n -> trained.add(n.asText()));
    var ledger = env.store().rollbackTo(runId, step, trained);
    c.window.restore(ledger.inFlight().stream().map(g -> g.groupId).toList(), ledger.decided());
    state.get("trainedGroupIds").forEach(n -> c.trainedGroupIds.add(n.asText()));
    trained.forEach(env.ledger()::safe);
    ledger.decided().forEach(env.ledger()::safe);
    c.completedSteps = step;
    c.currentVersion = v.version;
    c.latestRef = new PolicyRef(v.version, v.checkpointUri, v.sha256);
    c.nextPromptIndex = nextPromptIndex;
    c.publishVersion(v.version, v.step, v.checkpointUri, v.sha256, v.createdAt);
    List<PromptGroupEntity> unsent = ledger.inFlight().stream().filter(g -> !g.sent).toList();
    c.send(
        unsent.stream()
            .map(g -> c.task(g.groupId, g.promptIndex, g.issuedForStep, g.issuedVersion))
            .toList());
    LOG.infof(
        "run %s resumed at step %d from version %d (%d groups in flight, %d re-sent)",
        runId, step, v.version, ledger.inFlight().size(), unsent.size());
    if (status == RunStatus.RUNNING) {
      c.issue();
    }
    return c;
  }

  public String runId() {
    return runId;
  }

  public RunStatus status() {
    return status;
  }

  /** A scored group of this run arrived (the loop already recorded its offset as received). */
  public void onScored(ScoredGroup g) {
    var row = env.store().group(g.groupId());
    if (row.isEmpty()) {
      throw new UnusableGroupException("group " + g.groupId() + " was not issued by run " + runId);
    }
    if (!PromptGroupEntity.ISSUED.equals(row.get().state) || buffer.containsKey(g.groupId())) {
      // Already decided (a redelivery after a restart) or already waiting: the first copy decides.
      if (!PromptGroupEntity.ISSUED.equals(row.get().state)) {
        env.ledger().safe(g.groupId());
      }
      return;
    }
    TaskExample ex = dataset.train(row.get().promptIndex);
    int[] promptIds = RunResources.promptTokens(tokenizer, ex.prompt());
    var problem =
        ScoredGroups.unusable(
            g,
            policy.config().vocabSize(),
            promptIds.length,
            policy.config().maxPositionEmbeddings());
    if (problem.isPresent()) {
      drop(g.groupId(), "unusable", g.rollout().policyVersion());
      throw new UnusableGroupException(problem.get());
    }
    if (isStale(g)) {
      drop(g.groupId(), ScoredGroups.STALE, g.rollout().policyVersion());
    } else {
      List<Integer> counted = ScoredGroups.scoredIndices(g);
      if (counted.size() < 2) {
        drop(g.groupId(), ScoredGroups.TOO_FEW_SCORED, g.rollout().policyVersion());
      } else if (config.dynamicSampling() && ScoredGroups.allEqual(g, counted)) {
        drop(g.groupId(), ScoredGroups.ZERO_STD, g.rollout().policyVersion());
      } else {
        buffer.put(
            g.groupId(), new Pending(g, ScoredGroups.toTrainingGroup(g, promptIds, counted)));
      }
    }
  }

  /**
   * A stage dead-lettered one of this run's groups: the group will never be scored, so it is
   * dropped with {@code reason} and its credit returns (the next {@link #tick} issues a
   * replacement). Returns false, changing nothing, when the group is not in flight (already trained
   * or dropped, or not this run's) or when a usable ScoredGroup of it is already buffered (the dead
   * letter is about another copy of a group that was scored after all).
   */
  public boolean onDeadLetter(String groupId, String reason) {
    if (!window.isInFlight(groupId) || buffer.containsKey(groupId)) {
      return false;
    }
    if (!env.store().drop(groupId, reason, null)) {
      return false;
    }
    window.dropped(groupId);
    env.ledger().safe(groupId);
    env.metrics().dropped(runId, reason);
    return true;
  }

  /**
   * Trains every step the buffer allows, then tops the window up. Called once per loop iteration.
   */
  public void tick() {
    while (status == RunStatus.RUNNING && completedSteps < config.steps() && readyForStep()) {
      trainOneStep();
    }
    if (status == RunStatus.RUNNING && completedSteps >= config.steps()) {
      complete();
    }
    issue();
    env.metrics().inFlight(runId, window.inFlight());
  }

  public void pause() {
    if (status == RunStatus.RUNNING) {
      status = RunStatus.PAUSED;
      env.store().setStatus(runId, status, null);
      LOG.infof("run %s paused at step %d", runId, completedSteps);
    }
  }

  public void resume() {
    if (status == RunStatus.PAUSED) {
      status = RunStatus.RUNNING;
      env.store().setStatus(runId, status, null);
      lastStepEndNanos = System.nanoTime();
      LOG.infof("run %s resumed at step %d", runId, completedSteps);
    }
  }

  /** Stops for good; groups still in flight are dropped as they arrive ({@code run_stopped}). */
  public void stop() {
    status = RunStatus.STOPPED;
    env.store().setStatus(runId, status, null);
    LOG.infof("run %s stopped at step %d", runId, completedSteps);
  }

  /** Marks the run failed with a reason. */
  public void fail(String error) {
    status = RunStatus.FAILED;
    env.store().setStatus(runId, status, error);
    LOG.errorf("run %s failed at step %d: %s", runId, completedSteps, error);
  }

  private boolean readyForStep() {
    // Groups that went stale while buffered (a new version was published) leave before the batch
    // forms.
    for (var it = buffer.values().iterator(); it.hasNext(); ) {
      Pending p = it.next();
      if (isStale(p.group())) {
        it.remove();
        drop(p.group().groupId(), ScoredGroups.STALE, p.group().rollout().policyVersion());
      }
    }
    return buffer.size() >= config.groupsPerStep();
  }

  private boolean isStale(ScoredGroup g) {
    return currentVersion - g.rollout().policyVersion() > config.maxStaleness();
  }

  private void drop(String groupId, String reason, long rolloutVersion) {
    env.store().drop(groupId, reason, rolloutVersion);
    window.dropped(groupId);
    env.ledger().safe(groupId);
    env.metrics().dropped(runId, reason);
  }

  private void trainOneStep() {
    long t0 = System.nanoTime();
    long waitMillis = (t0 - lastStepEndNanos) / 1_000_000;
    List<Pending> batch = new ArrayList<>(buffer.values()).subList(0, config.groupsPerStep());
    int step = completedSteps + 1;
    var training = batch.stream().map(Pending::training).toList();
    long updatesBefore = trainer.optimizer().stepCount();
    StepMetrics m = trainer.step(training);
    if (m.skippedUpdates() > 0 && trainer.optimizer().stepCount() == updatesBefore) {
      // A non-finite gradient norm made AdamW skip every update: weights and moments are untouched,
      // so recomputing the same batch once trains nothing twice. It has been seen rarely and not
      // reproducibly (see docs/architecture.md); a second failure fails the run below.
      LOG.warnf(
          "run %s step %d: non-finite gradient norm (%s), update skipped; recomputing the step"
              + " once",
          runId, step, m.gradNorm());
      m = trainer.step(training);
    }
    long computeMillis = (System.nanoTime() - t0) / 1_000_000;
    env.faults().at(Point.MID_STEP, runId, step);
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
    double stalenessSum = 0;
    var trainedGroups = new ArrayList<RunStore.TrainedGroup>();
    for (Pending p : batch) {
      long v = p.group().rollout().policyVersion();
      stalenessSum += Math.max(0, currentVersion - v);
      trainedGroups.add(new RunStore.TrainedGroup(p.group().groupId(), v));
    }
    Map<String, Double> metrics =
        metricsOf(m, waitMillis, computeMillis, stalenessSum / batch.size());
    var row = new TrainingStepEntity();
    row.runId = runId;
    row.step = step;
    row.policyVersion = currentVersion;
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
    row.stalenessMean = stalenessSum / batch.size();
    row.waitMillis = waitMillis;
    row.computeMillis = computeMillis;
    row.metrics = json(metrics);
    env.store().recordStep(row, trainedGroups);
    for (Pending p : batch) {
      String id = p.group().groupId();
      buffer.remove(id);
      window.trained(id);
      trainedGroupIds.add(id);
      trainedSinceCheckpoint.add(id);
      env.metrics()
          .staleness(runId, Math.max(0, currentVersion - p.group().rollout().policyVersion()));
    }
    env.metrics().trained(runId, batch.size());
    completedSteps = step;
    boolean checkpointDue = step % config.checkpointEvery() == 0 || step == config.steps();
    // The version this step's weights will be published as (or the one in force when not a
    // checkpoint step).
    long producedVersion = checkpointDue ? currentVersion + 1 : currentVersion;
    env.producer()
        .send(
            new ProducerRecord<>(
                Topics.STEPS,
                runId,
                EventJson.toBytes(
                    new TrainerStep(
                        Contracts.SCHEMA_VERSION,
                        runId,
                        step,
                        producedVersion,
                        metrics,
                        Instant.now()))));
    env.faults().at(Point.AFTER_STEP, runId, step);
    long checkpointMillis = 0;
    if (checkpointDue) {
      long c0 = System.nanoTime();
      checkpoint(step);
      checkpointMillis = (System.nanoTime() - c0) / 1_000_000;
      env.store().setCheckpointMillis(runId, step, checkpointMillis);
    }
    env.metrics().step(runId, m, waitMillis, computeMillis, checkpointMillis);
    if (step % 10 == 0 || step == config.steps()) {
      LOG.infof(
          "run %s step %d: reward %.3f ± %.3f, loss %.4f, %d tokens in %d ms",
          runId, step, m.rewardMean(), m.rewardStd(), m.loss(), m.tokens(), computeMillis);
    }
    evaluateIfDue();
    lastStepEndNanos = System.nanoTime();
  }

  private static Map<String, Double> metricsOf(
      StepMetrics m, long waitMillis, long computeMillis, double staleness) {
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("loss", m.loss());
    out.put("reward/mean", m.rewardMean());
    out.put("reward/std", m.rewardStd());
    out.put("kl", m.kl());
    out.put("clip/low", m.clipFracLow());
    out.put("clip/high", m.clipFracHigh());
    out.put("entropy", m.entropy());
    out.put("grad_norm", m.gradNorm());
    out.put("learning_rate", m.learningRate());
    out.put("tokens", (double) m.tokens());
    out.put("sequences", (double) m.sequences());
    out.put("groups", (double) m.groups());
    out.put("zero_std_groups", (double) m.zeroStdGroups());
    out.put("skipped_updates", (double) m.skippedUpdates());
    out.put("staleness/mean", staleness);
    out.put("time/wait_ms", (double) waitMillis);
    out.put("time/compute_ms", (double) computeMillis);
    out.put("time/forward_backward_ms", (double) m.forwardBackwardMillis());
    out.put("time/optimizer_ms", (double) m.optimizerMillis());
    out.put("tokens_per_second", computeMillis <= 0 ? 0.0 : m.tokens() * 1000.0 / computeMillis);
    return out;
  }

  /**
   * Saves the checkpoint of {@code step} as the next version (atomically: HfCheckpoint writes a
   * temporary directory and renames it), records it, publishes the PolicyVersion, then marks the
   * groups it contains as safe to commit.
   */
  private void checkpoint(int step) {
    long version = currentVersion + 1;
    Path dir =
        env.checkpointsRoot()
            .resolve(runId)
            .resolve(String.format("v%06d", version))
            .toAbsolutePath();
    Map<String, Consumer<Path>> extra = new LinkedHashMap<>(trainer.stateFileWriters());
    extra.put(RUN_STATE_FILE, file -> writeRunState(file, step, version));
    HfCheckpoint.save(dir, policy, tokenizer, extra);
    String sha = HfCheckpoint.sha256(dir);
    String uri = fileUri(dir);
    env.store().recordVersion(runId, version, step, uri, sha);
    Instant now = Instant.now();
    publishVersion(version, step, uri, sha, now);
    currentVersion = version;
    latestRef = new PolicyRef(version, uri, sha);
    env.metrics().version(runId, version);
    env.faults().at(Point.AFTER_CHECKPOINT, runId, step);
    trainedSinceCheckpoint.forEach(env.ledger()::safe);
    trainedSinceCheckpoint.clear();
    LOG.infof("run %s published policy version %d (step %d) at %s", runId, version, step, uri);
  }

  /** {@code file:///abs/path} without a trailing slash. */
  static String fileUri(Path dir) {
    String s = dir.toAbsolutePath().normalize().toUri().toString();
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  private void publishVersion(long version, long step, String uri, String sha, Instant at) {
    var event = new PolicyVersion(Contracts.SCHEMA_VERSION, runId, version, step, uri, sha, at);
    await(
        env.producer().send(new ProducerRecord<>(Topics.POLICY, runId, EventJson.toBytes(event))),
        "PolicyVersion");
  }

  private void writeRunState(Path file, int step, long version) {
    ObjectNode n = JSON.createObjectNode();
    n.put("format", RUN_STATE_FORMAT);
    n.put("runId", runId);
    n.put("step", step);
    n.put("version", version);
    // The run's random state: prompts and sampling seeds are counter-based draws from (seed,
    // index),
    // so the seed and the next index are the whole RNG state.
    ObjectNode rng = n.putObject("rng");
    rng.put("algorithm", "splitmix64(seed, promptIndex)");
    rng.put("seed", config.seed());
    rng.put("nextPromptIndex", nextPromptIndex);
    var ids = n.putArray("trainedGroupIds");
    trainedGroupIds.forEach(ids::add);
    try {
      Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private static JsonNode readRunState(Path dir) {
    Path file = dir.resolve(RUN_STATE_FILE);
    try {
      JsonNode n = JSON.readTree(file.toFile());
      if (!RUN_STATE_FORMAT.equals(n.path("format").asText())) {
        throw new IllegalStateException(
            file + ": format must be " + RUN_STATE_FORMAT + ", was " + n.path("format"));
      }
      return n;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** Issues prompts while credits last and the run still needs groups. */
  private void issue() {
    if (status != RunStatus.RUNNING) {
      return;
    }
    long stillNeeded = (long) (config.steps() - completedSteps) * config.groupsPerStep();
    int n = (int) Math.max(0, Math.min(window.credits(), stillNeeded - window.inFlight()));
    if (n == 0) {
      return;
    }
    var groups = new ArrayList<RunStore.NewGroup>(n);
    for (int i = 0; i < n; i++) {
      long index = nextPromptIndex + i;
      int forStep = completedSteps + 1 + (window.inFlight() + i) / config.groupsPerStep();
      groups.add(
          new RunStore.NewGroup(
              groupId(index), dataset.train(index).promptId(), index, forStep, currentVersion));
    }
    // Record first, then send: a crash in between leaves rows with sent=false, re-sent on resume.
    env.store().issue(runId, groups, nextPromptIndex + n);
    nextPromptIndex += n;
    groups.forEach(g -> window.issue(g.groupId()));
    send(
        groups.stream()
            .map(g -> task(g.groupId(), g.promptIndex(), g.issuedForStep(), g.issuedVersion()))
            .toList());
    env.metrics().issued(runId, n);
  }

  private String groupId(long promptIndex) {
    return runId + "-g" + promptIndex;
  }

  private PromptTask task(String groupId, long promptIndex, int issuedForStep, long issuedVersion) {
    TaskExample ex = dataset.train(promptIndex);
    return new PromptTask(
        Contracts.SCHEMA_VERSION,
        runId,
        groupId,
        ex.promptId(),
        ex.prompt(),
        config.groupSize(),
        RunResources.samplingParams(
            config, PromptDataset.mix(config.seed() ^ 0x5EEDL, promptIndex)),
        config.rewardSpec(),
        ex.verification(),
        issuedForStep,
        latestRef,
        Instant.now());
  }

  private void send(List<PromptTask> tasks) {
    if (tasks.isEmpty()) {
      return;
    }
    var futures = new ArrayList<Future<?>>();
    for (PromptTask t : tasks) {
      futures.add(
          env.producer()
              .send(new ProducerRecord<>(Topics.PROMPTS, t.groupId(), EventJson.toBytes(t))));
    }
    futures.forEach(f -> await(f, "PromptTask"));
    env.store().markSent(tasks.stream().map(PromptTask::groupId).toList());
  }

  private static void await(Future<?> f, String what) {
    try {
      f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while publishing a " + what, e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(
          "cannot publish a " + what + ": " + e.getCause(), e.getCause());
    }
  }

  private void evaluateIfDue() {
    var ev = config.eval();
    if (ev.every() == 0 || dataset.eval().isEmpty()) {
      return;
    }
    if (completedSteps % ev.every() != 0 && completedSteps != config.steps()) {
      return;
    }
    var s = config.sampling();
    SamplingConfig sc =
        ev.greedy()
            ? SamplingConfig.greedy(s.maxNewTokens())
            : new SamplingConfig(
                s.temperature(),
                s.topP(),
                s.topK(),
                s.maxNewTokens(),
                List.of(),
                List.of(),
                ev.seed());
    var result =
        env.evaluator().evaluate(policy, tokenizer, dataset.eval(), config.rewardSpec(), sc);
    env.store().recordEval(runId, completedSteps, result.accuracy(), result.examples());
    result.accuracy().forEach((checker, acc) -> env.metrics().evalAccuracy(runId, checker, acc));
    LOG.infof(
        "run %s eval at step %d on %d prompts: %s",
        runId, completedSteps, result.examples(), result.accuracy());
  }

  private void complete() {
    status = RunStatus.COMPLETED;
    env.store().setStatus(runId, status, null);
    LOG.infof(
        "run %s completed %d steps; final policy version %d at %s",
        runId, completedSteps, currentVersion, latestRef.checkpointUri());
  }

  private static String json(Map<String, Double> m) {
    try {
      return JSON.writeValueAsString(m);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    trainer.close();
    policy.close();
    if (reference != null) {
      reference.close();
    }
    RunResources.closeable(tokenizer).close();
  }

  /** A group that can never be trained (dead-lettered by the loop). */
  public static final class UnusableGroupException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UnusableGroupException(String message) {
      super(message);
    }
  }
}
