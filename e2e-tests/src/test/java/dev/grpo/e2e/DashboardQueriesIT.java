package dev.grpo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grpo.e2e.DashboardQueries.PanelQuery;
import dev.grpo.localinfra.DatabaseEndpoint;
import dev.grpo.localinfra.SharedTestInfrastructure;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Grafana dashboards against a real Prometheus: Debian's {@code /usr/bin/prometheus} scrapes
 * the three service processes of a short demo run with a config derived from {@code
 * infra/compose/prometheus/prometheus.yml}, and every PromQL expression of {@code
 * infra/compose/grafana/dashboards/*.json} must return data through {@code /api/v1/query}. Dead
 * letters and dropped groups, which a healthy short run need not make, are injected: one
 * undecodable record on {@code grpo.prompts} (the rollout worker dead-letters it) and one on {@code
 * grpo.rollouts} under the key of an in-flight group (the reward service dead-letters it, and the
 * trainer drops that group).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardQueriesIT {
  static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
  static final int SCRAPE_SECONDS = 1;

  /** More than the test needs: the services are stopped once the queries are checked. */
  static final int STEPS = 1000;

  /** Training steps done before the queries start (so step gauges and rates exist). */
  static final int MIN_STEPS = 3;

  static final Duration WAIT = Duration.ofSeconds(60);

  /**
   * Panels whose condition the test injects, so at least one series must be above 0 (not only
   * present): one dead letter each of the rollout and the reward stage.
   */
  static final Set<String> INJECTED_PANELS = Set.of("Dead letters (grpo.dlq) per minute");

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final List<ServiceProcess> services = new ArrayList<>();
  private final Path dir = Path.of("target", "prometheus-e2e").toAbsolutePath();
  private Process prometheus;
  private URI prometheusUri;
  private TrainerClient trainer;
  private String runId;

  @BeforeAll
  void startPlatformPrometheusAndRun() throws Exception {
    String bootstrap = SharedTestInfrastructure.kafka().bootstrapServers();
    DatabaseEndpoint db = SharedTestInfrastructure.postgres().endpoint();
    PlatformProcesses.createTopics(bootstrap);
    PlatformProcesses.start(bootstrap, db, "prom-e2e", DemoPipelineIT.START_TIMEOUT, services);
    startPrometheus();
    // Dead-letter counters start at 0 in the services; the injected letters must come after the
    // first scrapes, or Prometheus first sees them at 1 and increase() shows nothing.
    awaitUntil(
        System.nanoTime() + WAIT.toNanos(),
        "all three targets up and scraped 5 times",
        this::targetsScraped);
    trainer = new TrainerClient(services.get(0).uri());
    ObjectNode config = DemoRecipe.builtIn().withSteps(STEPS).withName("prom-e2e").runConfig();
    ((ObjectNode) config.path("eval")).put("size", 20).put("every", 2);
    runId = trainer.createRun(config);
    publish(bootstrap, "grpo.prompts", "prom-it-broken-prompt");
    publish(bootstrap, "grpo.rollouts", newestInFlightGroup(db));
  }

  /**
   * The last issued group still in flight: its broken rollout, dead-lettered by the reward service
   * under its key, makes the trainer drop it ({@code dead_letter:reward/decode}), so the dropped
   * groups panel has data, which a healthy short run may not produce. The newest group waits behind
   * every other one in flight, so the letter arrives before its real rollout is trained.
   */
  private String newestInFlightGroup(DatabaseEndpoint db) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      try (Connection c = db.connect();
          var st =
              c.prepareStatement(
                  "select group_id from prompt_group where run_id = ? and state = 'ISSUED' and"
                      + " sent order by prompt_index desc limit 1")) {
        st.setString(1, runId);
        try (ResultSet rs = st.executeQuery()) {
          if (rs.next()) {
            return rs.getString(1);
          }
        }
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException(
        "run " + runId + " issued no group in " + WAIT.toSeconds() + " s");
  }

  private void startPrometheus() throws IOException {
    if (!Files.isExecutable(PROMETHEUS)) {
      throw new IllegalStateException(
          PROMETHEUS + " is missing: install Debian's prometheus package (.ci/run does)");
    }
    deleteRecursively(dir);
    Files.createDirectories(dir);
    String projectConfig =
        Files.readString(
            ServiceProcess.projectRoot().resolve("infra/compose/prometheus/prometheus.yml"));
    Map<String, String> targets = new LinkedHashMap<>();
    for (var s : List.of("trainer", "rollout", "reward")) {
      ServiceProcess p =
          services.stream().filter(x -> x.name.equals(s + "-service")).findFirst().orElseThrow();
      targets.put(s, "127.0.0.1:" + p.port);
    }
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(config, ScrapeConfigs.pointedAt(projectConfig, targets, SCRAPE_SECONDS));
    int port = ServiceProcess.freePort();
    prometheusUri = URI.create("http://127.0.0.1:" + port);
    prometheus =
        new ProcessBuilder(
                PROMETHEUS.toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
  }

  @AfterAll
  void stopEverything() throws Exception {
    if (prometheus != null) {
      prometheus.destroy();
      if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
        prometheus.destroyForcibly();
      }
    }
    for (int i = services.size() - 1; i >= 0; i--) {
      services.get(i).close();
    }
  }

  @Test
  void everyDashboardExpressionReturnsData() throws Exception {
    List<PanelQuery> queries = new ArrayList<>();
    Path dashboards = ServiceProcess.projectRoot().resolve("infra/compose/grafana/dashboards");
    try (var files = Files.list(dashboards)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
        queries.addAll(DashboardQueries.of(f.getFileName().toString(), JSON.readTree(f.toFile())));
      }
    }
    assertThat(queries).as("dashboard expressions in %s", dashboards).isNotEmpty();

    long deadline = System.nanoTime() + WAIT.toNanos();
    awaitUntil(
        deadline,
        MIN_STEPS + " training steps",
        () -> trainer.snapshot(runId).completedSteps() >= MIN_STEPS);

    // Rates need two samples in their window and counters appear with their first increment, so
    // an empty answer is retried until the deadline.
    Map<PanelQuery, String> empty = new LinkedHashMap<>();
    queries.forEach(q -> empty.put(q, "not asked"));
    while (true) {
      for (PanelQuery q : List.copyOf(empty.keySet())) {
        String problem = problem(q.query(), INJECTED_PANELS.contains(q.panel()));
        if (problem == null) {
          empty.remove(q);
          System.out.println("dashboard query has data: " + q + " -> " + sample(q.query()));
        } else {
          empty.put(q, problem);
        }
      }
      if (empty.isEmpty() || System.nanoTime() > deadline) {
        break;
      }
      Thread.sleep(1000);
    }
    StringBuilder report = new StringBuilder();
    empty.forEach((q, why) -> report.append("\n  ").append(q).append(" -> ").append(why));
    assertThat(empty)
        .as(
            "%d of %d dashboard expressions returned no data (Prometheus log %s):%s",
            empty.size(), queries.size(), dir.resolve("prometheus.log"), report)
        .isEmpty();
  }

  private boolean targetsScraped() throws Exception {
    JsonNode r = query("count_over_time(up{job=~\"trainer|rollout|reward\"}[1m]) >= 5");
    if (!"success".equals(r.path("status").asText())) {
      return false;
    }
    int scraped = r.path("data").path("result").size();
    JsonNode down = query("up{job=~\"trainer|rollout|reward\"} == 0").path("data").path("result");
    return scraped == 3 && down.isEmpty();
  }

  /**
   * Null when the expression returns data (with a value above 0 if {@code positive}), otherwise
   * what Prometheus said.
   */
  private String problem(String expr, boolean positive) throws Exception {
    JsonNode r = query(expr);
    if (!"success".equals(r.path("status").asText())) {
      return r.path("errorType").asText() + ": " + r.path("error").asText();
    }
    JsonNode result = r.path("data").path("result");
    boolean hasData =
        switch (r.path("data").path("resultType").asText()) {
          case "vector", "matrix" -> !result.isEmpty();
          default -> !result.isMissingNode() && !result.isNull();
        };
    if (!hasData) {
      return "empty " + r.path("data").path("resultType").asText();
    }
    if (positive && "vector".equals(r.path("data").path("resultType").asText())) {
      for (JsonNode series : result) {
        if (series.path("value").path(1).asDouble() > 0) {
          return null;
        }
      }
      return "only zeros, expected an injected event: " + result;
    }
    return null;
  }

  /** The first series of the answer, for the log. */
  private String sample(String expr) throws Exception {
    JsonNode result = query(expr).path("data").path("result");
    return result.size() + " series, first " + result.path(0);
  }

  private JsonNode query(String expr) throws Exception {
    if (!prometheus.isAlive()) {
      throw new IllegalStateException(
          "prometheus exited: " + Files.readString(dir.resolve("prometheus.log")));
    }
    HttpRequest request =
        HttpRequest.newBuilder(
                prometheusUri.resolve(
                    "/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8)))
            .timeout(Duration.ofSeconds(10))
            .build();
    try {
      return JSON.readTree(HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body());
    } catch (IOException e) {
      return JSON.createObjectNode().put("status", "unreachable").put("error", e.toString());
    }
  }

  private interface Check {
    boolean ok() throws Exception;
  }

  private void awaitUntil(long deadline, String what, Check check) throws Exception {
    while (!check.ok()) {
      for (ServiceProcess p : services) {
        if (!p.alive()) {
          throw new IllegalStateException(p.name + " died; " + p.describeLog());
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "no "
                + what
                + " after "
                + WAIT.toSeconds()
                + " s; see "
                + dir.resolve("prometheus.log"));
      }
      Thread.sleep(500);
    }
  }

  /** An undecodable record, which the stage reading {@code topic} dead-letters. */
  private static void publish(String bootstrap, String topic, String key) throws Exception {
    var p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    try (var producer = new KafkaProducer<String, String>(p)) {
      producer.send(new ProducerRecord<>(topic, key, "{\"schemaVersion\":1}")).get();
    }
  }

  /** A previous run's samples would answer the queries: each run starts on empty storage. */
  private static void deleteRecursively(Path root) throws IOException {
    if (Files.exists(root)) {
      try (var paths = Files.walk(root)) {
        for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }
}
