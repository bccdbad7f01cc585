package dev.grpo.trainer.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grpo.contracts.Contracts;
import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.PolicyRef;
import dev.grpo.contracts.PolicyVersion;
import dev.grpo.contracts.Topics;
import dev.grpo.policy.checkpoint.HfCheckpoint;
import dev.grpo.trainer.metrics.TrainerMetrics;
import dev.grpo.trainer.pacing.OffsetLedger;
import dev.grpo.trainer.persistence.PolicyVersionEntity;
import dev.grpo.trainer.persistence.VersionRecords;
import dev.grpo.trainer.persistence.VersionRecords.GroupLedger;
import dev.grpo.trainer.run.RunSpec;
import dev.grpo.trainer.service.FaultInjector.Point;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The policy versions of one run. A checkpoint is saved as the next version ({@code
 * <root>/<runId>/v<version>}, atomically, with {@value #RUN_STATE_FILE}), hashed, recorded (the
 * run's resume point), published as a {@link PolicyVersion}, and only then are the groups trained
 * since the previous checkpoint marked safe to commit. On resume it verifies the latest recorded
 * version, reads its run state and rolls the database back to it.
 */
final class RunCheckpointer {
  /** File of the run's own resumable state inside each checkpoint directory. */
  static final String RUN_STATE_FILE = "run_state.json";

  private static final String RUN_STATE_FORMAT = "grpo-run-state-v1";
  private static final Logger LOG = Logger.getLogger(RunCheckpointer.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The resumable state of a run in a checkpoint: step, version, the RNG state (prompts and
   * sampling seeds are counter-based draws from (seed, index), so seed and next index are all of
   * it) and the ids of every group trained into these weights, in training order.
   */
  record RunState(
      int step, long version, long seed, long nextPromptIndex, List<String> trainedGroupIds) {}

  /** What a resume found: the checkpoint's state and the database rolled back to it. */
  record Restored(RunState state, GroupLedger groups) {}

  private final String runId;
  private final long seed;
  private final Path root;
  private final TrainingBackend backend;
  private final VersionRecords store;
  private final RunEvents events;
  private final TrainerMetrics metrics;
  private final OffsetLedger<?> ledger;
  private final FaultInjector faults;
  private final Clock clock;
  private final List<String> trainedGroupIds = new ArrayList<>();
  private final List<String> trainedSinceCheckpoint = new ArrayList<>();
  private long currentVersion = -1;
  private PolicyRef latestRef;

  RunCheckpointer(
      String runId,
      long seed,
      Path checkpointsRoot,
      TrainingBackend backend,
      VersionRecords store,
      RunEvents events,
      TrainerMetrics metrics,
      OffsetLedger<?> ledger,
      FaultInjector faults,
      Clock clock) {
    this.runId = runId;
    this.seed = seed;
    this.root = checkpointsRoot;
    this.backend = backend;
    this.store = store;
    this.events = events;
    this.metrics = metrics;
    this.ledger = ledger;
    this.faults = faults;
    this.clock = clock;
  }

  /** The versions of a run saved by {@code backend}, on the training loop's clients. */
  static RunCheckpointer of(String runId, RunSpec spec, TrainingBackend backend, RunEnv env) {
    return new RunCheckpointer(
        runId,
        spec.seed(),
        env.checkpointsRoot(),
        backend,
        env.store(),
        env.events(),
        env.metrics(),
        env.ledger(),
        env.faults(),
        env.clock());
  }

  /** The latest published version; -1 before version 0. */
  long currentVersion() {
    return currentVersion;
  }

  /** The latest published version as the prompts name it; null before version 0. */
  PolicyRef latestRef() {
    return latestRef;
  }

  /** These groups were trained (in this order) and belong in the next checkpoint. */
  void trained(Collection<String> groupIds) {
    trainedGroupIds.addAll(groupIds);
    trainedSinceCheckpoint.addAll(groupIds);
  }

  /**
   * Saves the checkpoint of {@code step} as the next version, records and publishes it, then marks
   * the groups it newly contains as safe to commit.
   */
  void save(int step, long nextPromptIndex) {
    long version = currentVersion + 1;
    Path dir = root.resolve(runId).resolve(String.format("v%06d", version)).toAbsolutePath();
    var state = new RunState(step, version, seed, nextPromptIndex, trainedGroupIds);
    backend.save(dir, Map.of(RUN_STATE_FILE, file -> writeRunState(file, runId, state)));
    String sha = HfCheckpoint.sha256(dir);
    String uri = fileUri(dir);
    store.recordVersion(runId, version, step, uri, sha);
    publish(version, step, uri, sha, clock.instant());
    currentVersion = version;
    latestRef = new PolicyRef(version, uri, sha);
    metrics.version(runId, version);
    faults.at(Point.AFTER_CHECKPOINT, runId, step);
    trainedSinceCheckpoint.forEach(ledger::safe);
    trainedSinceCheckpoint.clear();
    LOG.infof("run %s published policy version %d (step %d) at %s", runId, version, step, uri);
  }

  /**
   * The directory of a recorded version, after checking that its files still hash to the recorded
   * sha256.
   */
  static Path verifiedDir(PolicyVersionEntity v) {
    Path dir = dirOf(v);
    String sha = HfCheckpoint.sha256(dir);
    if (!sha.equals(v.sha256)) {
      throw new IllegalStateException(
          "checkpoint " + dir + " has sha256 " + sha + ", recorded " + v.sha256);
    }
    return dir;
  }

  static Path dirOf(PolicyVersionEntity v) {
    return Path.of(URI.create(v.checkpointUri));
  }

  /**
   * Reads the run state of recorded version {@code v} and rolls the database back to its step (see
   * {@link VersionRecords#rollbackTo}).
   */
  Restored restore(PolicyVersionEntity v) {
    RunState state = readRunState(dirOf(v));
    var groups = store.rollbackTo(runId, state.step(), new HashSet<>(state.trainedGroupIds()));
    return new Restored(state, groups);
  }

  /**
   * Continues from recorded version {@code v} whose state is {@code state}: its groups are trained
   * and safe to commit.
   */
  void resumeAt(PolicyVersionEntity v, RunState state) {
    trainedGroupIds.addAll(state.trainedGroupIds());
    state.trainedGroupIds().forEach(ledger::safe);
    currentVersion = v.version;
    latestRef = new PolicyRef(v.version, v.checkpointUri, v.sha256);
  }

  /** Publishes recorded version {@code v} again (the topic is compacted: harmless). */
  void republish(PolicyVersionEntity v) {
    publish(v.version, v.step, v.checkpointUri, v.sha256, v.createdAt);
  }

  /** {@code file:///abs/path} without a trailing slash. */
  static String fileUri(Path dir) {
    String s = dir.toAbsolutePath().normalize().toUri().toString();
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  private void publish(long version, long step, String uri, String sha, Instant at) {
    var event = new PolicyVersion(Contracts.SCHEMA_VERSION, runId, version, step, uri, sha, at);
    RunEvents.awaitAll(
        List.of(events.send(Topics.POLICY, runId, EventJson.toBytes(event))), "PolicyVersion");
  }

  static void writeRunState(Path file, String runId, RunState state) {
    ObjectNode n = JSON.createObjectNode();
    n.put("format", RUN_STATE_FORMAT);
    n.put("runId", runId);
    n.put("step", state.step());
    n.put("version", state.version());
    ObjectNode rng = n.putObject("rng");
    rng.put("algorithm", "splitmix64(seed, promptIndex)");
    rng.put("seed", state.seed());
    rng.put("nextPromptIndex", state.nextPromptIndex());
    var ids = n.putArray("trainedGroupIds");
    state.trainedGroupIds().forEach(ids::add);
    try {
      Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  static RunState readRunState(Path dir) {
    Path file = dir.resolve(RUN_STATE_FILE);
    JsonNode n;
    try {
      n = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    if (!RUN_STATE_FORMAT.equals(n.path("format").asText())) {
      throw new IllegalStateException(
          file + ": format must be " + RUN_STATE_FORMAT + ", was " + n.path("format"));
    }
    var ids = new ArrayList<String>();
    n.get("trainedGroupIds").forEach(id -> ids.add(id.asText()));
    JsonNode rng = n.path("rng");
    return new RunState(
        n.get("step").asInt(),
        n.path("version").asLong(),
        rng.path("seed").asLong(),
        rng.path("nextPromptIndex").asLong(),
        List.copyOf(ids));
  }
}
