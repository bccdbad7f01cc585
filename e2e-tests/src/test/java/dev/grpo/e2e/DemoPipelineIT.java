package dev.grpo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grpo.localinfra.DatabaseEndpoint;
import dev.grpo.localinfra.SharedTestInfrastructure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The whole platform end to end: the three packaged services as separate processes against a real
 * Kafka broker and a real PostgreSQL (embedded by default, Testcontainers with {@code
 * GRPO_TESTCONTAINERS=true}), one short run of the demo task created through the trainer's REST
 * API, then checks on what it left: the reward curve, the group accounting in REST, database and
 * topics, and the report folder.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DemoPipelineIT {
  /**
   * Long enough for the reward to move off its start on a loaded 2-core machine, short enough for
   * CI.
   */
  static final int STEPS = 30;

  static final double LEARNING_RATE = 0.002;

  /** Steps of the run on the torch backend (2 ranks), one of which is killed after step 3. */
  static final int TORCH_STEPS = 8;

  static final Duration START_TIMEOUT = Duration.ofMinutes(4);
  static final Duration RUN_TIMEOUT = Duration.ofMinutes(8);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<ServiceProcess> services = new ArrayList<>();
  private String bootstrap;
  private DatabaseEndpoint db;
  private TrainerClient trainer;
  private DemoRecipe recipe;
  private RunSnapshot finished;
  private RunSnapshot torchFinished;
  private long killedRankPid = -1;

  @BeforeAll
  void startPlatformAndRun() throws Exception {
    bootstrap = SharedTestInfrastructure.kafka().bootstrapServers();
    db = SharedTestInfrastructure.postgres().endpoint();
    PlatformProcesses.createTopics(bootstrap);
    PlatformProcesses.start(bootstrap, db, "e2e", START_TIMEOUT, services);
    trainer = new TrainerClient(services.get(0).uri());

    DemoRecipe demo = DemoRecipe.builtIn().withSteps(STEPS).withName("e2e-demo");
    ObjectNode config = demo.runConfig();
    // 30 steps at a constant, higher rate: the recipe's cosine decay is tuned for its 300 steps.
    ((ObjectNode) config.path("optimizer"))
        .put("learningRate", LEARNING_RATE)
        .put("schedule", "constant");
    ((ObjectNode) config.path("eval")).put("size", 100).put("every", 10);
    recipe = new DemoRecipe(config, demo.evalChecker(), demo.targetAccuracy());
    String runId = trainer.createRun(recipe.runConfig());
    finished = awaitEnd(runId);
    if (torchAvailable()) {
      torchFinished = runOnTorchAndKillARank();
    }
  }

  private static boolean torchAvailable() throws Exception {
    Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import torch").start();
    return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
  }

  /**
   * The demo task on the torch backend with 2 ranks (DDP over gloo), checkpoints every 2 steps;
   * after step 3 rank 1 gets SIGKILL, so the watchdog restarts the group from the step-2 checkpoint
   * and replays step 3.
   */
  private RunSnapshot runOnTorchAndKillARank() throws Exception {
    ObjectNode config =
        DemoRecipe.builtIn()
            .withSteps(TORCH_STEPS)
            .withName("e2e-torch")
            .withTrainer("torch", 2)
            .runConfig();
    ((ObjectNode) config.path("optimizer")).put("learningRate", LEARNING_RATE);
    ((ObjectNode) config.path("eval")).put("size", 50).put("every", 4);
    config.put("checkpointEvery", 2);
    String id = trainer.createRun(config);
    long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
    RunSnapshot s = trainer.snapshot(id);
    while (!s.terminal() && System.nanoTime() < deadline) {
      if (killedRankPid < 0 && s.completedSteps() >= 3) {
        ProcessHandle rank1 =
            services
                .get(0)
                .descendants()
                .filter(DemoPipelineIT::isRankOne)
                .findFirst()
                .orElse(null);
        if (rank1 != null) {
          killedRankPid = rank1.pid();
          new ProcessBuilder("kill", "-9", Long.toString(killedRankPid)).start().waitFor();
        }
      }
      Thread.sleep(200);
      s = trainer.snapshot(id);
    }
    return awaitEnd(id);
  }

  private static boolean isRankOne(ProcessHandle p) {
    try {
      String env = Files.readString(Path.of("/proc/" + p.pid() + "/environ"));
      return p.info().commandLine().orElse("").contains("grpo_worker")
          && ("\0" + env).contains("\0RANK=1\0");
    } catch (IOException e) {
      return false;
    }
  }

  @AfterAll
  void stopServices() {
    for (int i = services.size() - 1; i >= 0; i--) {
      services.get(i).close();
    }
  }

  @Test
  void shortRunCompletesAndItsRewardRisesAboveItsStart() {
    assertThat(finished.status())
        .as("run status; error: %s", finished.run().path("error"))
        .isEqualTo("COMPLETED");
    assertThat(finished.completedSteps()).isEqualTo(STEPS);
    assertThat(finished.steps().size()).isEqualTo(STEPS);
    double first = finished.meanReward(true, 5);
    double last = finished.meanReward(false, 5);
    assertThat(last)
        .as(
            "mean train reward of the last 5 steps vs the first 5 (%.4f); curve %s",
            first, finished.rewardCurve())
        .isGreaterThan(first);
  }

  /**
   * Reproducible rollouts: every completion draws from a stream of (run seed, prompt index,
   * completion index) and the trainer takes a step's groups in groupId order, so two synchronous
   * runs with one seed train alike through the real services, whatever the rollout worker's batches
   * and timing were.
   */
  @Test
  void twoSynchronousRunsWithOneSeedGiveTheSameCurves() throws Exception {
    List<RunSnapshot> runs = new ArrayList<>();
    for (String name : List.of("e2e-same-seed-a", "e2e-same-seed-b")) {
      DemoRecipe demo =
          DemoRecipe.builtIn().withSteps(10).withSeed(3).withMaxStaleness(0).withName(name);
      ObjectNode config = demo.runConfig();
      ((ObjectNode) config.path("optimizer")).put("learningRate", LEARNING_RATE);
      ((ObjectNode) config.path("eval")).put("size", 100).put("every", 5);
      runs.add(awaitEnd(trainer.createRun(config)));
    }
    for (RunSnapshot r : runs) {
      assertThat(r.status())
          .as("run %s; error: %s", r.runId(), r.run().path("error"))
          .isEqualTo("COMPLETED");
    }
    String checker = runs.get(0).evalChecker(recipe.evalChecker());
    String divergence = firstDivergence(runs.get(0), runs.get(1));
    assertThat(values(runs.get(1).evalCurve(checker)))
        .as("held-out accuracy at every evaluation; %s", divergence)
        .isEqualTo(values(runs.get(0).evalCurve(checker)))
        .hasSize(3);
    assertThat(values(runs.get(1).rewardCurve()))
        .as("train reward at every step; %s", divergence)
        .isEqualTo(values(runs.get(0).rewardCurve()));
    assertThat(losses(runs.get(1)))
        .as("loss at every step, bit for bit; %s", divergence)
        .isEqualTo(losses(runs.get(0)));
  }

  /**
   * Where two same-seed runs first part, for the failure message: the first step whose trained
   * prompts (and drops) or whose recorded numbers differ, with both sides.
   */
  private String firstDivergence(RunSnapshot a, RunSnapshot b) throws Exception {
    Map<Integer, String> groupsA = groupsByStep(a.runId());
    Map<Integer, String> groupsB = groupsByStep(b.runId());
    StringBuilder out = new StringBuilder();
    if (!groupsA.equals(groupsB)) {
      out.append("groups by step (-1 = dropped) differ: ")
          .append(groupsA)
          .append(" vs ")
          .append(groupsB)
          .append("; ");
    }
    out.append(rolloutDifference(a.runId(), b.runId())).append("; ");
    for (int i = 0; i < Math.min(a.steps().size(), b.steps().size()); i++) {
      JsonNode sa = numbersOf(a.steps().get(i));
      JsonNode sb = numbersOf(b.steps().get(i));
      if (!sa.equals(sb)) {
        return out.append("first differing step record: ")
            .append(sa)
            .append(" vs ")
            .append(sb)
            .toString();
      }
    }
    return out.append("step records equal").toString();
  }

  /**
   * Whether the two runs' rollouts (grpo.rollouts, read_committed) are the same per prompt index:
   * policy version, token ids and behaviour log-probs of every completion.
   */
  private String rolloutDifference(String runA, String runB) throws IOException {
    Map<String, Map<String, JsonNode>> byRun = new HashMap<>();
    byRun.put(runA, new java.util.TreeMap<>());
    byRun.put(runB, new java.util.TreeMap<>());
    for (var r : TopicRecords.readAll(bootstrap, "grpo.rollouts", true, Duration.ofSeconds(60))) {
      JsonNode v = JSON.readTree(r.value());
      var runs = byRun.get(v.path("runId").asText());
      if (runs != null) {
        String index = v.path("groupId").asText().replaceFirst(".*-g", "");
        ObjectNode what = JSON.createObjectNode();
        what.set("policyVersion", v.path("policyVersion"));
        what.set("completions", v.path("completions"));
        runs.put(index, what);
      }
    }
    var a = byRun.get(runA);
    var b = byRun.get(runB);
    List<String> differing = new ArrayList<>();
    for (var e : a.entrySet()) {
      if (!e.getValue().equals(b.get(e.getKey()))) {
        differing.add(e.getKey());
      }
    }
    if (differing.isEmpty() && a.size() == b.size()) {
      return "rollouts equal (" + a.size() + " groups)";
    }
    String first = differing.isEmpty() ? null : differing.get(0);
    return "rollouts differ at prompt indices "
        + differing
        + " ("
        + a.size()
        + " vs "
        + b.size()
        + " groups)"
        + (first == null ? "" : ", first: " + a.get(first) + " vs " + b.get(first));
  }

  /** A step record without its wall-clock fields (its own and those of its metrics map). */
  private static JsonNode numbersOf(JsonNode step) {
    ObjectNode copy = step.deepCopy();
    withoutTiming(copy);
    if (copy.path("metrics") instanceof ObjectNode metrics) {
      withoutTiming(metrics);
    }
    return copy;
  }

  private static void withoutTiming(ObjectNode node) {
    List<String> timing = new ArrayList<>();
    node.fieldNames()
        .forEachRemaining(
            f -> {
              String l = f.toLowerCase(java.util.Locale.ROOT);
              if (l.contains("millis")
                  || l.contains("seconds")
                  || l.contains("_ms")
                  || l.contains("per_second")
                  || l.startsWith("time/")
                  || l.endsWith("at")) {
                timing.add(f);
              }
            });
    node.remove(timing);
  }

  /** Per trained step (-1 for drops, with the reason), the prompt indices of a run's groups. */
  private Map<Integer, String> groupsByStep(String runId) throws Exception {
    Map<Integer, List<String>> out = new java.util.TreeMap<>();
    try (Connection c = db.connect();
        var st =
            c.prepareStatement(
                "select prompt_index, trained_step, drop_reason from prompt_group where run_id = ?"
                    + " order by prompt_index")) {
      st.setString(1, runId);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          Integer step = (Integer) rs.getObject(2);
          String reason = rs.getString(3);
          out.computeIfAbsent(step == null ? -1 : step, k -> new ArrayList<>())
              .add(rs.getLong(1) + (reason == null ? "" : ":" + reason));
        }
      }
    }
    Map<Integer, String> joined = new java.util.TreeMap<>();
    out.forEach((k, v) -> joined.put(k, String.join(",", v)));
    return joined;
  }

  private static List<Double> losses(RunSnapshot run) {
    List<Double> out = new ArrayList<>();
    run.steps().forEach(s -> out.add(s.path("loss").asDouble()));
    return out;
  }

  private static List<Double> values(List<RunSnapshot.Point> curve) {
    return curve.stream().map(RunSnapshot.Point::value).toList();
  }

  @Test
  void aTorchRunWithAKilledRankCompletesWithNothingLostOrTrainedTwice() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(torchFinished != null, "python3 with torch");
    assertThat(killedRankPid).as("a rank 1 worker process was found and killed").isPositive();
    assertThat(torchFinished.status())
        .as("run status; error: %s", torchFinished.run().path("error"))
        .isEqualTo("COMPLETED");
    assertThat(torchFinished.completedSteps()).isEqualTo(TORCH_STEPS);
    assertThat(torchFinished.steps().size()).isEqualTo(TORCH_STEPS);
    assertThat(Files.readString(services.get(0).log)).contains("torch worker group broke during");
    assertEveryIssuedGroupEndsInExactlyOneState(torchFinished);
  }

  @Test
  void everyIssuedGroupEndsInExactlyOneState() throws Exception {
    assertEveryIssuedGroupEndsInExactlyOneState(finished);
  }

  private void assertEveryIssuedGroupEndsInExactlyOneState(RunSnapshot finished) throws Exception {
    String runId = finished.runId();
    // REST: the trainer's own accounting adds up.
    JsonNode g = finished.groups();
    long dropped = 0;
    for (JsonNode n : g.path("dropped")) {
      dropped += n.asLong();
    }
    assertThat(g.path("issued").asLong())
        .as("issued = in flight + trained + dropped: %s", g)
        .isEqualTo(g.path("inFlight").asLong() + g.path("trained").asLong() + dropped);

    // Database: one row per issued group, each in one consistent state.
    Map<String, String> stateByGroup = new HashMap<>();
    Map<Integer, Integer> trainedPerStep = new HashMap<>();
    try (Connection c = db.connect();
        var st =
            c.prepareStatement(
                "select group_id, state, drop_reason, trained_step, sent from prompt_group where"
                    + " run_id = ?")) {
      st.setString(1, runId);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          String id = rs.getString(1);
          String state = rs.getString(2);
          String reason = rs.getString(3);
          Integer step = (Integer) rs.getObject(4);
          assertThat(stateByGroup.put(id, state)).as("group %s has one row", id).isNull();
          switch (state) {
            case "TRAINED" -> {
              assertThat(step).as("trained group %s names its step", id).isNotNull();
              assertThat(reason).as("trained group %s has no drop reason", id).isNull();
              trainedPerStep.merge(step, 1, Integer::sum);
            }
            case "DROPPED" -> {
              assertThat(reason).as("dropped group %s records a reason", id).isNotBlank();
              assertThat(step).as("dropped group %s was not trained", id).isNull();
            }
            case "ISSUED" ->
                assertThat(step == null && reason == null)
                    .as("in-flight group %s is undecided", id)
                    .isTrue();
            default -> throw new AssertionError("group " + id + " is in unknown state " + state);
          }
          assertThat(rs.getBoolean(5))
              .as("group %s of a completed run was acknowledged by the broker", id)
              .isTrue();
        }
      }
    }
    assertThat((long) stateByGroup.size()).isEqualTo(g.path("issued").asLong());
    assertThat(stateByGroup.values().stream().filter("TRAINED"::equals).count())
        .isEqualTo(g.path("trained").asLong());
    // Each trained group counted in exactly the step that says it trained it.
    for (JsonNode s : finished.steps()) {
      assertThat(trainedPerStep.getOrDefault(s.path("step").asInt(), 0))
          .as("groups trained in step %s", s.path("step"))
          .isEqualTo(s.path("groups").asInt());
    }

    // Topics: every prompt on grpo.prompts is a row (nothing vanished, nothing invented), and every
    // trained group was really scored.
    Set<String> prompted = groupIdsOn("grpo.prompts", runId, false);
    Set<String> scored = groupIdsOn("grpo.scored", runId, true);
    assertThat(prompted)
        .as("group ids on grpo.prompts vs prompt_group rows")
        .isEqualTo(stateByGroup.keySet());
    assertThat(stateByGroup.keySet()).as("scored groups have rows").containsAll(scored);
    Set<String> trained = new HashSet<>();
    stateByGroup.forEach(
        (id, state) -> {
          if (state.equals("TRAINED")) {
            trained.add(id);
          }
        });
    assertThat(scored).as("trained groups were scored").containsAll(trained);
  }

  @Test
  void reportFolderHasCurvesMetricsAndTheFinalCheckpoint() throws IOException {
    Path dir =
        ReportWriter.write(
            finished,
            recipe.evalChecker(),
            recipe.targetAccuracy(),
            Path.of("target/e2e-report").toAbsolutePath(),
            null);
    var png = ImageIO.read(dir.resolve(ReportWriter.CURVES_PNG).toFile());
    assertThat(png.getWidth()).isEqualTo(CurvePlot.WIDTH);
    JsonNode metrics = JSON.readTree(dir.resolve(ReportWriter.METRICS_JSON).toFile());
    assertThat(metrics.path("runId").asText()).isEqualTo(finished.runId());
    assertThat(metrics.path("completedSteps").asInt()).isEqualTo(STEPS);
    assertThat(metrics.path("evalChecker").asText()).isEqualTo("exact_match");
    Path checkpoint = Path.of(metrics.path("finalCheckpoint").path("path").asText());
    assertThat(checkpoint.resolve("config.json")).isRegularFile();
    assertThat(checkpoint.resolve("model.safetensors")).isRegularFile();
    assertThat(Files.readString(dir.resolve(ReportWriter.CHECKPOINT_TXT)).trim())
        .isEqualTo(checkpoint.toString());
  }

  private RunSnapshot awaitEnd(String runId) throws Exception {
    long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
    RunSnapshot s = trainer.snapshot(runId);
    while (!s.terminal()) {
      for (ServiceProcess p : services) {
        if (!p.alive()) {
          throw new IllegalStateException(p.name + " died during the run; " + p.describeLog());
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "run "
                + runId
                + " not finished after "
                + RUN_TIMEOUT.toMinutes()
                + " min: "
                + ProgressLine.format(s, "exact_match"));
      }
      Thread.sleep(1000);
      s = trainer.snapshot(runId);
    }
    return s;
  }

  /** Group ids of a run's records on a topic, read from the beginning to the current end. */
  private Set<String> groupIdsOn(String topic, String runId, boolean committedOnly)
      throws IOException {
    Set<String> ids = new HashSet<>();
    for (var r : TopicRecords.readAll(bootstrap, topic, committedOnly, Duration.ofSeconds(60))) {
      JsonNode v = JSON.readTree(r.value());
      if (runId.equals(v.path("runId").asText())) {
        ids.add(v.path("groupId").asText());
      }
    }
    return ids;
  }
}
