package dev.grpo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grpo.localinfra.DatabaseEndpoint;
import dev.grpo.localinfra.SharedTestInfrastructure;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A short run whose reward spec weights a topic part from the Python example
 * (examples/python-reward/topic_reward.py, a real process on python3-confluent-kafka) and an HTTP
 * part from the Python HTTP scorer (http_scorer.py), with the three services as processes. The
 * reward service is killed with SIGKILL mid-run and started again: every group on grpo.scored
 * (read_committed) is there once and carries both parts' scores.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CustomRewardsIT {
  static final int STEPS = 8;
  static final Duration START_TIMEOUT = Duration.ofMinutes(4);
  static final Duration RUN_TIMEOUT = Duration.ofMinutes(3);
  static final String PYTHON = "/usr/bin/python3";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<ServiceProcess> services = new ArrayList<>();
  private final List<Process> python = new ArrayList<>();
  private String bootstrap;
  private RunSnapshot finished;
  private int stepAtKill = -1;

  @BeforeAll
  void startPlatformRunAndKillTheRewardService() throws Exception {
    bootstrap = SharedTestInfrastructure.kafka().bootstrapServers();
    DatabaseEndpoint db = SharedTestInfrastructure.postgres().endpoint();
    Path target = Path.of("target").toAbsolutePath();
    Path logs = target.resolve("e2e-logs-custom");
    Path examples = ServiceProcess.projectRoot().resolve("examples/python-reward");
    // The topics the part service subscribes to exist before it starts (as on a real cluster).
    PlatformProcesses.createTopics(bootstrap);
    int httpPort = freePort();
    python.add(
        python(
            examples,
            logs,
            "topic_reward",
            List.of("topic_reward.py"),
            Map.of("KAFKA_BOOTSTRAP_SERVERS", bootstrap)));
    python.add(
        python(
            examples,
            logs,
            "http_scorer",
            List.of("http_scorer.py", Integer.toString(httpPort)),
            Map.of()));

    Map<String, String> common =
        Map.of(
            "KAFKA_BOOTSTRAP_SERVERS",
            bootstrap,
            "GRPO_CHECKPOINT_ROOT",
            target.resolve("e2e-checkpoints-custom").toString());
    var trainerEnv = new HashMap<>(common);
    trainerEnv.put("GRPO_DATASOURCE_URL", db.jdbcUrl());
    trainerEnv.put("GRPO_DATASOURCE_USERNAME", db.username());
    trainerEnv.put("GRPO_DATASOURCE_PASSWORD", db.password());
    var rewardEnv = new HashMap<>(common);
    rewardEnv.put("GRPO_REWARD_INSTANCE_ID", "reward-custom-e2e");
    for (var entry :
        List.of(
            Map.entry("trainer-service", (Map<String, String>) trainerEnv),
            Map.entry("rollout-service", common),
            Map.entry("reward-service", (Map<String, String>) rewardEnv))) {
      ServiceProcess p = ServiceProcess.start(entry.getKey(), entry.getValue(), logs);
      services.add(p);
      p.awaitReady(START_TIMEOUT);
    }
    var trainer = new TrainerClient(services.get(0).uri());

    DemoRecipe demo = DemoRecipe.builtIn().withSteps(STEPS).withName("e2e-custom-rewards");
    ObjectNode config = demo.runConfig();
    config.put("groupsPerStep", 4).put("groupSize", 8);
    ((ObjectNode) config.path("eval")).put("size", 16).put("every", 0);
    config.set(
        "rewardSpec",
        JSON.readTree(
            "{\"checkers\":["
                + "{\"name\":\"exact_match\",\"weight\":1.0,\"params\":{\"extract\":\"region\"}},"
                + "{\"name\":\"brevity\",\"weight\":0.2,\"external\":{\"via\":\"topic\",\"timeoutMillis\":120000}},"
                + "{\"name\":\"has_digit\",\"weight\":0.2,\"external\":{\"via\":\"http\","
                + "\"url\":\"http://127.0.0.1:"
                + httpPort
                + "/score\",\"timeoutMillis\":5000}}]}"));
    String runId = trainer.createRun(config);

    long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
    RunSnapshot s = trainer.snapshot(runId);
    while (!s.terminal() && System.nanoTime() < deadline) {
      if (stepAtKill < 0 && s.completedSteps() >= 2) {
        stepAtKill = s.completedSteps();
        services.get(2).kill();
        ServiceProcess again =
            ServiceProcess.start("reward-service", rewardEnv, logs.resolve("restarted"));
        services.set(2, again);
        again.awaitReady(START_TIMEOUT);
      }
      Thread.sleep(1000);
      s = trainer.snapshot(runId);
    }
    finished = s;
  }

  @AfterAll
  void stopEverything() {
    for (int i = services.size() - 1; i >= 0; i--) {
      services.get(i).close();
    }
    python.forEach(Process::destroy);
  }

  @Test
  void theRunTrainsThroughTheKill() {
    assertThat(stepAtKill).as("the reward service was killed mid-run").isBetween(2, STEPS - 1);
    assertThat(finished.status())
        .as("run status; error: %s", finished.run().path("error"))
        .isEqualTo("COMPLETED");
    assertThat(finished.completedSteps()).isEqualTo(STEPS);
  }

  @Test
  void everyScoredGroupIsThereOnceWithBothPartsScores() throws IOException {
    Map<String, Integer> seen = new HashMap<>();
    List<JsonNode> groups = new ArrayList<>();
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(4 * 1024 * 1024));
    try (var consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      var parts =
          consumer.partitionsFor("grpo.scored", Duration.ofSeconds(30)).stream()
              .map(i -> new TopicPartition("grpo.scored", i.partition()))
              .toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      var end = consumer.endOffsets(parts);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))
          && System.nanoTime() < deadline) {
        for (var r : consumer.poll(Duration.ofMillis(500))) {
          JsonNode v = JSON.readTree(r.value());
          if (finished.runId().equals(v.path("runId").asText())) {
            seen.merge(v.path("groupId").asText(), 1, Integer::sum);
            groups.add(v);
          }
        }
      }
    }
    assertThat(groups).hasSizeGreaterThanOrEqualTo(STEPS * 4);
    assertThat(seen.values()).as("times each group was scored").containsOnly(1);
    for (JsonNode g : groups) {
      for (JsonNode score : g.path("scores")) {
        assertThat(score.path("components").has("brevity")).isTrue();
        assertThat(score.path("components").has("has_digit")).isTrue();
        assertThat(score.path("reasons").path("brevity").asText())
            .as("brevity reason (a timeout would say 'timeout')")
            .containsAnyOf("tokens", "truncated");
        assertThat(score.path("reasons").path("has_digit").asText()).contains("digit");
      }
    }
  }

  private static Process python(
      Path dir, Path logs, String name, List<String> args, Map<String, String> env)
      throws IOException {
    java.nio.file.Files.createDirectories(logs);
    var cmd = new ArrayList<String>();
    cmd.add(PYTHON);
    cmd.add("-u");
    cmd.addAll(args);
    var pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    pb.redirectOutput(logs.resolve(name + ".log").toFile());
    pb.environment().putAll(env);
    return pb.start();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  @Test
  void rescoreWritesItsReportWithoutTouchingTraining() throws Exception {
    Path spec = Path.of("target").toAbsolutePath().resolve("rescore-spec.json");
    java.nio.file.Files.writeString(
        spec,
        "{\"checkers\":[{\"name\":\"exact_match\",\"weight\":1.0},"
            + "{\"name\":\"brevity\",\"weight\":1.0,\"external\":{\"via\":\"topic\"}}]}");
    Path out = Path.of("target").toAbsolutePath().resolve("rescore-report.md");
    RescoreMain.main(
        new String[] {
          "--kafka",
          bootstrap,
          "--run",
          finished.runId(),
          "--spec",
          spec.toString(),
          "--out",
          out.toString()
        });
    String report = java.nio.file.Files.readString(out);
    assertThat(report)
        .contains("# Rescore of run " + finished.runId())
        .contains("| brevity |")
        .contains("| has_digit |")
        .contains("Advantage sign agreement");
  }
}
