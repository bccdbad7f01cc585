package dev.grpo.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grpo.contracts.Contracts;
import dev.grpo.contracts.DeadLetter;
import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.RewardPart;
import dev.grpo.contracts.Topics;
import dev.grpo.localinfra.DatabaseEndpoint;
import dev.grpo.localinfra.PoisonRecords;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The chaos suite's scenario, shared by {@code ChaosIT} (small) and {@code ./grpo chaos} ({@link
 * ChaosMain}, full): a real broker in its own process, the database, the three packaged services as
 * processes; one training run; the poison set on every input topic; kill -9 and restart of each
 * service and of the broker in turn, mid-run; then everything the run left is collected and checked
 * by {@link ChaosInvariants}, and the stall after each kill measured ({@link Stalls}). The full
 * variant adds a backlog of queued tasks and samples the services' resident memory under it.
 */
final class ChaosScenario {
  /** What {@link #kills} may name besides the three services. */
  static final String BROKER = "broker";

  static final Duration START_TIMEOUT = Duration.ofMinutes(4);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One chaos run's settings.
   *
   * @param name names the run, the folders and the services' instance ids
   * @param steps training steps of the run (enough to outlast the kills)
   * @param kills what to kill, in order: service names and {@link #BROKER}
   * @param stepsBetweenKills steps after a recovery before the next kill
   * @param recoveryTimeout how long a kill may stall the run before the scenario gives up on it
   * @param runTimeout how long the whole run may take
   * @param backlogTasks queued tasks for the backlog phase; 0 skips it
   * @param backlogWatch how long the services' memory is sampled under the backlog
   */
  record Plan(
      String name,
      int steps,
      List<String> kills,
      int stepsBetweenKills,
      Duration recoveryTimeout,
      Duration runTimeout,
      int backlogTasks,
      Duration backlogWatch) {}

  /** Resident memory of one service under the backlog, in KiB. */
  record Memory(String service, long before, long firstHalfMax, long secondHalfMax, long max) {}

  /**
   * What a chaos run found.
   *
   * @param runId the training run
   * @param stalls the stall after each kill
   * @param medianStepInterval the run's pace between steps, to read the stalls against
   * @param violations broken rules ({@link ChaosInvariants}), empty when all hold
   * @param counts group and letter counts for the report
   * @param memory per service under the backlog; empty without a backlog phase
   * @param backlogConsumed tasks of the backlog the rollout workers had committed past
   * @param wall the scenario's duration
   */
  record Report(
      String runId,
      List<Stalls.Stall> stalls,
      Duration medianStepInterval,
      List<String> violations,
      Map<String, Object> counts,
      List<Memory> memory,
      long backlogConsumed,
      Duration wall) {

    /** The report as text, one figure per line, for the terminal and docs/benchmarks.md. */
    String format() {
      var sb = new StringBuilder();
      sb.append("chaos run ").append(runId).append(" in ").append(wall.toSeconds()).append(" s\n");
      sb.append("median step interval: ").append(medianStepInterval.toMillis()).append(" ms\n");
      for (var s : stalls) {
        sb.append(
            String.format(
                "kill -9 %-16s at %s: ready again after %d ms, %s%n",
                s.kill().target(),
                s.kill().at(),
                s.kill().restart().toMillis(),
                s.recovered()
                    ? "next step ("
                        + s.nextStep()
                        + ") after "
                        + s.stall().toMillis()
                        + " ms; longest gap between steps in the "
                        + Stalls.GAP_WINDOW.toSeconds()
                        + " s after it "
                        + s.longestGap().toMillis()
                        + " ms"
                    : "NO step afterwards"));
      }
      sb.append("longest stall: ").append(Stalls.longest(stalls).toMillis()).append(" ms\n");
      sb.append("longest gap after a kill: ")
          .append(stalls.stream().mapToLong(s -> s.longestGap().toMillis()).max().orElse(0))
          .append(" ms\n");
      counts.forEach((k, v) -> sb.append(k).append(": ").append(v).append('\n'));
      for (var m : memory) {
        sb.append(
            String.format(
                "RSS %-16s before %d MiB, max first half %d MiB, max second half %d MiB, max %d"
                    + " MiB%n",
                m.service(),
                m.before() / 1024,
                m.firstHalfMax() / 1024,
                m.secondHalfMax() / 1024,
                m.max() / 1024));
      }
      if (!memory.isEmpty()) {
        sb.append("backlog tasks consumed by the rollout workers: ")
            .append(backlogConsumed)
            .append('\n');
      }
      sb.append(violations.isEmpty() ? "all invariants hold\n" : "VIOLATIONS:\n");
      violations.forEach(v -> sb.append("  ").append(v).append('\n'));
      return sb.toString();
    }
  }

  private final Plan plan;
  private final Path dir;
  private final DatabaseEndpoint db;
  private final String classpath;
  private final PrintStream log;
  private final Map<String, ServiceProcess> services = new LinkedHashMap<>();
  private Map<String, Map<String, String>> envs;
  private BrokerProcess broker;
  private StepWatcher watcher;
  private int restarts;

  /**
   * @param dir the scenario's folder (broker data, logs, checkpoints)
   * @param classpath a classpath holding local-infra, for the broker's own JVM
   */
  ChaosScenario(Plan plan, Path dir, DatabaseEndpoint db, String classpath, PrintStream log) {
    this.plan = plan;
    this.dir = dir;
    this.db = db;
    this.classpath = classpath;
    this.log = log;
  }

  /** Runs the scenario and stops everything it started, also when it fails. */
  Report run() throws Exception {
    long started = System.nanoTime();
    try {
      broker = BrokerProcess.start(dir, classpath, Duration.ofSeconds(90));
      say("broker on " + broker.bootstrapServers() + " (pid " + broker.pid() + ")");
      PlatformProcesses.createTopics(broker.bootstrapServers());
      envs =
          PlatformProcesses.withStableIds(
              PlatformProcesses.environments(broker.bootstrapServers(), db, plan.name(), dir),
              plan.name());
      for (String svc : envs.keySet()) {
        start(svc, dir.resolve("logs"));
      }
      watcher = new StepWatcher(broker.bootstrapServers());
      String runId = trainer().createRun(runConfig());
      say("run " + runId + " created, " + plan.steps() + " steps");

      awaitSteps(runId, Instant.EPOCH, 2);
      Set<String> poisonKeys = injectPoison(runId);
      say("poison sent, " + poisonKeys.size() + " records expected in " + Topics.DLQ);

      List<Stalls.Kill> kills = new ArrayList<>();
      Instant since = Instant.now();
      for (String target : plan.kills()) {
        if (!awaitSteps(runId, since, plan.stepsBetweenKills())) {
          say("the run ended before the kill of " + target + "; no more kills");
          break;
        }
        Instant at = kill(target);
        restart(target);
        kills.add(new Stalls.Kill(target, at, Duration.between(at, Instant.now())));
        boolean moved = awaitSteps(runId, at, 1);
        since = Instant.now();
        say(
            "killed "
                + target
                + ", restarted; "
                + (moved
                    ? "next step "
                        + Duration.between(at, lastStepAfter(runId, at)).toMillis()
                        + " ms after the kill"
                    : "no step since"));
      }

      RunSnapshot end = awaitEnd(runId);
      say("run " + runId + " ended " + end.status() + " at step " + end.completedSteps());
      var stalls = Stalls.of(kills, watcher.steps(), runId);
      var evidence = collect(end, poisonKeys);
      var violations = new ArrayList<>(ChaosInvariants.check(evidence));
      var counts = counts(evidence);
      for (String topic : List.of(Topics.ROLLOUTS, Topics.SCORED)) {
        counts.put(
            "second copies on " + topic + " (read_committed) by the kill before them",
            copiesByKill(topic, runId, kills));
      }

      List<Memory> memory = List.of();
      long consumed = 0;
      if (plan.backlogTasks() > 0) {
        var backlog = backlog(end);
        memory = backlog.memory();
        consumed = backlog.consumed();
        violations.addAll(memoryViolations(memory));
      }
      return new Report(
          runId,
          stalls,
          Stalls.medianStepInterval(watcher.steps(), runId),
          List.copyOf(violations),
          counts,
          memory,
          consumed,
          Duration.ofNanos(System.nanoTime() - started));
    } finally {
      stopAll();
    }
  }

  // ---- platform -------------------------------------------------------------------------------

  private void start(String svc, Path logs) throws Exception {
    ServiceProcess p = ServiceProcess.start(svc, envs.get(svc), logs);
    services.put(svc, p);
    p.awaitReady(START_TIMEOUT);
    say(svc + " ready on :" + p.port + " (pid " + p.pid() + ")");
  }

  private TrainerClient trainer() {
    return new TrainerClient(services.get("trainer-service").uri());
  }

  private Instant kill(String target) throws InterruptedException {
    Instant at = Instant.now();
    if (target.equals(BROKER)) {
      broker.kill();
    } else {
      services.get(target).kill();
    }
    return at;
  }

  private void restart(String target) throws Exception {
    if (target.equals(BROKER)) {
      broker.restart(Duration.ofSeconds(90));
    } else {
      start(target, dir.resolve("logs").resolve("restart-" + (++restarts)));
    }
  }

  private void stopAll() {
    if (watcher != null) {
      watcher.close();
    }
    List<ServiceProcess> all = new ArrayList<>(services.values());
    for (int i = all.size() - 1; i >= 0; i--) {
      all.get(i).close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  private void say(String line) {
    log.println("chaos " + java.time.LocalTime.now().withNano(0) + ": " + line);
    log.flush();
  }

  // ---- the run --------------------------------------------------------------------------------

  private ObjectNode runConfig() {
    ObjectNode config =
        DemoRecipe.builtIn().withSteps(plan.steps()).withName("chaos-" + plan.name()).runConfig();
    // Small steps: the faults, not the model, are under test.
    config.put("groupsPerStep", 4).put("groupSize", 8).put("checkpointEvery", 1);
    ((ObjectNode) config.path("optimizer")).put("learningRate", 0.002).put("schedule", "constant");
    ((ObjectNode) config.path("eval")).put("size", 16).put("every", 0);
    return config;
  }

  /**
   * Waits for {@code count} steps of the run that finished after {@code after}, failing when a
   * service died by itself; false when the run ended first (or the recovery timeout passed).
   */
  private boolean awaitSteps(String runId, Instant after, int count) throws Exception {
    long deadline = System.nanoTime() + plan.recoveryTimeout().toNanos();
    while (watcher.stepsAfter(runId, after) < count) {
      checkAlive();
      if (System.nanoTime() > deadline) {
        return false;
      }
      RunSnapshot s = trySnapshot(runId);
      if (s != null && s.terminal()) {
        return watcher.stepsAfter(runId, after) >= count;
      }
      Thread.sleep(200);
    }
    return true;
  }

  private Instant lastStepAfter(String runId, Instant after) {
    return watcher.steps().stream()
        .filter(s -> s.runId().equals(runId) && s.createdAt().isAfter(after))
        .map(Stalls.Step::createdAt)
        .min(Instant::compareTo)
        .orElse(after);
  }

  private RunSnapshot trySnapshot(String runId) {
    try {
      return trainer().snapshot(runId);
    } catch (IOException e) {
      return null; // the trainer restarts, or the broker is away and it answers slowly
    }
  }

  private RunSnapshot awaitEnd(String runId) throws Exception {
    long deadline = System.nanoTime() + plan.runTimeout().toNanos();
    while (true) {
      checkAlive();
      RunSnapshot s = trySnapshot(runId);
      if (s != null && s.terminal()) {
        return s;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "run "
                + runId
                + " not finished after "
                + plan.runTimeout().toSeconds()
                + " s: "
                + (s == null
                    ? "the trainer does not answer"
                    : s.status() + " at step " + s.completedSteps()));
      }
      Thread.sleep(1000);
    }
  }

  private void checkAlive() {
    for (ServiceProcess p : services.values()) {
      if (!p.alive()) {
        throw new IllegalStateException(p.name + " died by itself; " + p.describeLog());
      }
    }
  }

  // ---- poison ---------------------------------------------------------------------------------

  /**
   * Sends the poison set to every topic a stage reads, each set built from a real record of the run
   * (its groupId replaced, so that a poison record never passes for one of the run's groups), and
   * returns the keys that must come back as dead letters. {@code grpo.policy} gets the set too, but
   * the rollout workers skip what they cannot use there by design (every worker reads the whole
   * compacted topic at each start, so a letter per worker per start would repeat forever).
   */
  private Set<String> injectPoison(String runId) throws Exception {
    String bootstrap = broker.bootstrapServers();
    String prefix = poisonPrefix();
    Set<String> expected = new LinkedHashSet<>();
    try (var producer = PoisonRecords.producer(bootstrap)) {
      for (String topic : List.of(Topics.PROMPTS, Topics.ROLLOUTS, Topics.SCORED)) {
        String keyPrefix = prefix + "-" + topic.substring("grpo.".length());
        String template = templateOf(bootstrap, topic, runId, keyPrefix + "-unknown-checker");
        var set = PoisonRecords.forEvent(keyPrefix, template, "exact_match");
        PoisonRecords.send(producer, topic, set);
        set.forEach(p -> expected.add(p.key()));
      }
      String partsPrefix = prefix + "-reward-parts";
      var part =
          new RewardPart(
              Contracts.SCHEMA_VERSION,
              runId,
              partsPrefix + "-group",
              "brevity",
              List.of(0.5),
              List.of());
      var parts = PoisonRecords.forEventWithoutSpec(partsPrefix, EventJson.toJson(part));
      PoisonRecords.send(producer, Topics.REWARD_PARTS, parts);
      parts.forEach(p -> expected.add(p.key()));

      var version = firstRecordOfRun(bootstrap, Topics.POLICY, runId);
      var policy =
          PoisonRecords.forEventWithoutSpec(
              prefix + "-policy", new String(version, StandardCharsets.UTF_8));
      PoisonRecords.send(producer, Topics.POLICY, policy);
    }
    return expected;
  }

  /** The start of every poison key and poison groupId of this scenario. */
  private String poisonPrefix() {
    return "chaos-" + plan.name() + "-poison";
  }

  /**
   * A record of the run on {@code topic} as compact JSON, its groupId replaced by {@code groupId}
   * everywhere (a rollout's task and a scored group's rollout carry it too).
   */
  private static String templateOf(String bootstrap, String topic, String runId, String groupId)
      throws IOException {
    JsonNode v = JSON.readTree(firstRecordOfRun(bootstrap, topic, runId));
    String json = JSON.writeValueAsString(v);
    return json.replace("\"" + v.path("groupId").asText() + "\"", "\"" + groupId + "\"");
  }

  private static byte[] firstRecordOfRun(String bootstrap, String topic, String runId) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      for (var r : TopicRecords.readAll(bootstrap, topic, true, Duration.ofSeconds(60))) {
        JsonNode v = parse(r.value());
        if (v != null && runId.equals(v.path("runId").asText())) {
          return r.value();
        }
      }
      TopicRecords.pause(500);
    }
    throw new IllegalStateException("no record of run " + runId + " on " + topic + " after 60 s");
  }

  private static JsonNode parse(byte[] value) {
    try {
      return value == null ? null : JSON.readTree(value);
    } catch (IOException e) {
      return null;
    }
  }

  // ---- evidence -------------------------------------------------------------------------------

  private ChaosInvariants.Evidence collect(RunSnapshot end, Set<String> poisonKeys)
      throws Exception {
    String runId = end.runId();
    JsonNode g = end.groups();
    Map<String, Long> dropped = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = g.path("dropped").fields(); it.hasNext(); ) {
      var e = it.next();
      dropped.put(e.getKey(), e.getValue().asLong());
    }
    Map<String, ChaosInvariants.GroupRow> rows = new HashMap<>();
    Map<Integer, Integer> perStep = new HashMap<>();
    String lastCheckpoint;
    try (Connection c = db.connect()) {
      try (var st =
          c.prepareStatement(
              "select group_id, state, drop_reason, trained_step from prompt_group where run_id"
                  + " = ?")) {
        st.setString(1, runId);
        try (ResultSet rs = st.executeQuery()) {
          while (rs.next()) {
            rows.put(
                rs.getString(1),
                new ChaosInvariants.GroupRow(
                    rs.getString(2), rs.getString(3), (Integer) rs.getObject(4)));
          }
        }
      }
      try (var st =
          c.prepareStatement("select step, group_count from training_step where run_id = ?")) {
        st.setString(1, runId);
        try (ResultSet rs = st.executeQuery()) {
          while (rs.next()) {
            perStep.put(rs.getInt(1), rs.getInt(2));
          }
        }
      }
      try (var st =
          c.prepareStatement(
              "select checkpoint_uri from policy_version where run_id = ? order by version desc"
                  + " limit 1")) {
        st.setString(1, runId);
        try (ResultSet rs = st.executeQuery()) {
          lastCheckpoint = rs.next() ? rs.getString(1) : null;
        }
      }
    }
    List<String> checkpointTrained = new ArrayList<>();
    if (lastCheckpoint != null) {
      Path state = Path.of(java.net.URI.create(lastCheckpoint)).resolve("run_state.json");
      for (JsonNode id : JSON.readTree(Files.readString(state)).path("trainedGroupIds")) {
        checkpointTrained.add(id.asText());
      }
    }
    String bootstrap = broker.bootstrapServers();
    Duration read = Duration.ofSeconds(120);
    Map<String, List<ChaosInvariants.Letter>> letters = new HashMap<>();
    for (var r : TopicRecords.readAll(bootstrap, Topics.DLQ, true, read)) {
      try {
        DeadLetter d = EventJson.fromBytes(r.value(), DeadLetter.class);
        letters
            .computeIfAbsent(r.key(), k -> new ArrayList<>())
            .add(new ChaosInvariants.Letter(d.stage(), d.reason(), d.sourceTopic()));
      } catch (RuntimeException e) {
        letters
            .computeIfAbsent(r.key(), k -> new ArrayList<>())
            .add(new ChaosInvariants.Letter("?", null, "?"));
      }
    }
    return new ChaosInvariants.Evidence(
        end.status(),
        g.path("issued").asLong(),
        g.path("trained").asLong(),
        g.path("inFlight").asLong(),
        dropped,
        rows,
        perStep,
        checkpointTrained,
        groupIds(bootstrap, Topics.PROMPTS, runId, false, read),
        groupIds(bootstrap, Topics.ROLLOUTS, runId, true, read),
        groupIds(bootstrap, Topics.SCORED, runId, true, read),
        letters,
        poisonKeys);
  }

  /**
   * GroupIds of the run's records on {@code topic}, without the poison's (several poison kinds are
   * well-formed JSON with the run's id and one poison groupId).
   */
  private List<String> groupIds(
      String bootstrap, String topic, String runId, boolean committed, Duration timeout) {
    List<String> out = new ArrayList<>();
    for (var r : TopicRecords.readAll(bootstrap, topic, committed, timeout)) {
      JsonNode v = parse(r.value());
      if (v != null
          && runId.equals(v.path("runId").asText())
          && v.hasNonNull("groupId")
          && !v.path("groupId").asText().startsWith(poisonPrefix())) {
        out.add(v.path("groupId").asText());
      }
    }
    return out;
  }

  /**
   * For each groupId of the run that is on {@code topic} more than once: which kill came last
   * before its second copy was written (the record's timestamp), counted by kill target.
   */
  private Map<String, Integer> copiesByKill(String topic, String runId, List<Stalls.Kill> kills) {
    Map<String, List<Long>> times = new HashMap<>();
    for (var r :
        TopicRecords.readAll(broker.bootstrapServers(), topic, true, Duration.ofSeconds(120))) {
      JsonNode v = parse(r.value());
      if (v != null && runId.equals(v.path("runId").asText()) && v.hasNonNull("groupId")) {
        times
            .computeIfAbsent(v.path("groupId").asText(), k -> new ArrayList<>())
            .add(r.timestamp());
      }
    }
    Map<String, Integer> out = new java.util.TreeMap<>();
    times.forEach(
        (id, list) -> {
          if (list.size() > 1 && !id.startsWith(poisonPrefix())) {
            long second = list.stream().sorted().skip(1).findFirst().orElseThrow();
            String cause = "before any kill";
            for (var k : kills) {
              if (k.at().toEpochMilli() <= second) {
                cause = k.target() + "@" + k.at();
              }
            }
            out.merge(cause, 1, Integer::sum);
          }
        });
    return out;
  }

  private static Map<String, Object> counts(ChaosInvariants.Evidence e) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put(
        "groups issued / trained / in flight",
        e.issued() + " / " + e.trained() + " / " + e.inFlight());
    out.put("groups dropped by reason", e.dropped());
    out.put("steps recorded", e.groupsPerStep().size());
    out.put("groups in the final checkpoint", e.checkpointTrained().size());
    out.put(
        "records of the run on prompts / rollouts / scored (read_committed for the last two)",
        e.prompted().size() + " / " + e.rollouts().size() + " / " + e.scored().size());
    long lettered = e.poisonKeys().stream().filter(e.lettersByKey()::containsKey).count();
    out.put("poison records dead-lettered", lettered + " of " + e.poisonKeys().size());
    long letterCount =
        e.poisonKeys().stream()
            .mapToLong(k -> e.lettersByKey().getOrDefault(k, List.of()).size())
            .sum();
    out.put("dead letters of poison (re-reads after kills count again)", letterCount);
    return out;
  }

  // ---- backlog --------------------------------------------------------------------------------

  private record Backlog(List<Memory> memory, long consumed) {}

  /**
   * Queues {@link Plan#backlogTasks} tasks on grpo.prompts for a run no trainer knows (sampled with
   * the finished run's last policy, so every stage does real work on them: generate, score, and the
   * trainer settles each as a foreign run's), and samples each service's RSS while they drain.
   */
  private Backlog backlog(RunSnapshot end) throws Exception {
    String bootstrap = broker.bootstrapServers();
    Map<String, Long> before = new LinkedHashMap<>();
    services.forEach((n, p) -> before.put(n, p.rssKib()));
    ObjectNode task =
        (ObjectNode) JSON.readTree(firstRecordOfRun(bootstrap, Topics.PROMPTS, end.runId()));
    JsonNode latest = end.versions().get(0);
    for (JsonNode v : end.versions()) {
      if (v.path("version").asLong() > latest.path("version").asLong()) {
        latest = v;
      }
    }
    ObjectNode ref = JSON.createObjectNode();
    ref.put("version", latest.path("version").asLong());
    ref.put("checkpointUri", latest.path("checkpointUri").asText());
    ref.put("sha256", latest.path("sha256").asText());
    String backlogRun = "chaos-backlog-" + plan.name();
    task.put("runId", backlogRun).put("groupSize", 2);
    task.set("policy", ref);
    var p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 50);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    long committedBefore = consumedBy(bootstrap, "grpo-rollout", backlogRun);
    long sendStart = System.nanoTime();
    try (var producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < plan.backlogTasks(); i++) {
        String groupId = backlogRun + "-" + i;
        task.put("groupId", groupId).put("promptId", "backlog-" + i);
        producer.send(
            new ProducerRecord<>(
                Topics.PROMPTS,
                groupId.getBytes(StandardCharsets.UTF_8),
                JSON.writeValueAsBytes(task)));
      }
      producer.flush();
    }
    say(
        plan.backlogTasks()
            + " tasks queued on "
            + Topics.PROMPTS
            + " in "
            + Duration.ofNanos(System.nanoTime() - sendStart).toSeconds()
            + " s; sampling RSS for "
            + plan.backlogWatch().toSeconds()
            + " s");
    Map<String, List<Long>> samples = new LinkedHashMap<>();
    services.keySet().forEach(n -> samples.put(n, new ArrayList<>()));
    long deadline = System.nanoTime() + plan.backlogWatch().toNanos();
    while (System.nanoTime() < deadline) {
      checkAlive();
      services.forEach((n, s) -> samples.get(n).add(s.rssKib()));
      Thread.sleep(2000);
    }
    List<Memory> memory = new ArrayList<>();
    samples.forEach(
        (n, list) -> {
          int half = list.size() / 2;
          memory.add(
              new Memory(
                  n,
                  before.get(n),
                  list.subList(0, half).stream().mapToLong(Long::longValue).max().orElse(-1),
                  list.subList(half, list.size()).stream()
                      .mapToLong(Long::longValue)
                      .max()
                      .orElse(-1),
                  list.stream().mapToLong(Long::longValue).max().orElse(-1)));
        });
    return new Backlog(
        List.copyOf(memory), consumedBy(bootstrap, "grpo-rollout", backlogRun) - committedBefore);
  }

  /** The sum of the offsets the group has committed on grpo.prompts. */
  private long consumedBy(String bootstrap, String group, String backlogRun) {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, (Object) bootstrap))) {
      var committed =
          admin
              .listConsumerGroupOffsets(group)
              .partitionsToOffsetAndMetadata()
              .get(30, TimeUnit.SECONDS);
      long sum = 0;
      for (var e : committed.entrySet()) {
        if (e.getKey().topic().equals(Topics.PROMPTS) && e.getValue() != null) {
          sum += e.getValue().offset();
        }
      }
      return sum;
    } catch (Exception e) {
      say("cannot read the committed offsets of " + group + ": " + e);
      return -1;
    }
  }

  /**
   * Bounded: no service grows by more than {@value #RSS_GROWTH_MIB} MiB from the first half of the
   * backlog window to the second (a leak grows with the records read; a bounded consumer levels off
   * once its heap and caches are warm).
   */
  static final long RSS_GROWTH_MIB = 128;

  static List<String> memoryViolations(List<Memory> memory) {
    List<String> out = new ArrayList<>();
    for (var m : memory) {
      if (m.secondHalfMax() - m.firstHalfMax() > RSS_GROWTH_MIB * 1024) {
        out.add(
            m.service()
                + " RSS still grows under the backlog: "
                + m.firstHalfMax() / 1024
                + " MiB -> "
                + m.secondHalfMax() / 1024
                + " MiB");
      }
    }
    return out;
  }
}
