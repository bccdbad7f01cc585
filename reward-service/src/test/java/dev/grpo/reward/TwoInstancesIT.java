package dev.grpo.reward;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.contracts.Topics;
import dev.grpo.localinfra.SharedTestInfrastructure;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two packaged reward-service processes in one consumer group on a 4-partition grpo.rollouts,
 * against the real broker. One is killed with SIGKILL while groups flow and restarted under the
 * same instance id.
 *
 * <p>What it proves: (1) scaling out is just another member of {@code grpo-reward}: both instances
 * score groups (each reports a non-zero {@code grpo_reward_groups_scored_total}); (2) a hard crash
 * in the middle of the stream, with the survivor taking over partitions on rebalance, still yields
 * every group exactly once for a {@code read_committed} reader, because output and consumer offsets
 * commit in one transaction and the restarted instance's {@code initTransactions} aborts whatever
 * its predecessor left open. It does not prove anything about broker crashes.
 */
class TwoInstancesIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void stopAll() {
    for (var p : processes) {
      p.destroyForcibly();
    }
  }

  @Test
  void twoInstancesShareThePartitionsAndSurviveAKillExactlyOnce() throws Exception {
    var bootstrap = SharedTestInfrastructure.kafka().bootstrapServers();
    var kafka = new KafkaFixture(bootstrap);
    kafka.createTopics();
    int portA = freePort();
    int portB = freePort();
    var a = start("it-a", portA, bootstrap);
    var b = start("it-b", portB, bootstrap);
    awaitReady(portA);
    awaitReady(portB);

    int groups = 120;
    var ids = new ArrayList<String>();
    var events = new ArrayList<Map.Entry<String, Object>>();
    for (int i = 0; i < groups; i++) {
      var id = "it-" + i + "-" + UUID.randomUUID();
      ids.add(id);
      events.add(Map.entry(id, Fixtures.mathGroup(id)));
    }
    kafka.sendEvents(events.subList(0, groups / 2));
    // Wait until both have scored something, then kill A while the second half flows.
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    double scoredByA = 0;
    while (System.nanoTime() < deadline) {
      scoredByA = groupsScored(portA);
      if (scoredByA > 0 && groupsScored(portB) > 0) {
        break;
      }
      Thread.sleep(200);
    }
    assertThat(scoredByA).as("groups scored by instance A before the kill").isPositive();
    assertThat(groupsScored(portB)).as("groups scored by instance B").isPositive();
    kafka.sendEvents(events.subList(groups / 2, groups));
    a.destroyForcibly().waitFor();
    processes.remove(a);
    start("it-a", portA, bootstrap);

    kafka.readUntil(
        Topics.SCORED,
        true,
        Duration.ofSeconds(120),
        all -> KafkaScoringTest.keys(all).containsAll(ids));
    var records = kafka.readUntil(Topics.SCORED, true, Duration.ofSeconds(3), all -> false);
    var counts =
        records.stream()
            .filter(r -> ids.contains(r.key()))
            .collect(Collectors.groupingBy(r -> r.key(), Collectors.counting()));
    assertThat(counts).as("committed scored groups per id").hasSize(groups);
    assertThat(counts.values()).as("copies per id").containsOnly(1L);
  }

  private Process start(String instanceId, int port, String bootstrap) throws IOException {
    var jar =
        Path.of(System.getProperty("grpo.reward.app.jar", "target/quarkus-app/quarkus-run.jar"));
    assertThat(jar).as("packaged app (run mvn verify)").exists();
    var logs = Files.createDirectories(Path.of("target", "it-logs"));
    var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    var pb =
        new ProcessBuilder(
                java,
                "-Xmx512m",
                "-Djava.io.tmpdir=" + Path.of("target").toAbsolutePath(),
                "-Dkafka.bootstrap.servers=" + bootstrap,
                "-Dquarkus.http.port=" + port,
                "-Dgrpo.reward.instance-id=" + instanceId,
                "-Dgrpo.reward.scoring-threads=1",
                "-Dmp.messaging.incoming.rollouts-in.max.poll.records=4",
                // Let the broker notice the killed member quickly (its lower limit is 6 s).
                "-Dmp.messaging.incoming.rollouts-in.session.timeout.ms=6000",
                "-Dmp.messaging.incoming.rollouts-in.heartbeat.interval.ms=1000",
                "-jar",
                jar.toString())
            .redirectErrorStream(true)
            .redirectOutput(
                ProcessBuilder.Redirect.appendTo(logs.resolve(instanceId + ".log").toFile()));
    pb.environment().put("DJL_OFFLINE", "true");
    var process = pb.start();
    processes.add(process);
    return process;
  }

  private static void awaitReady(int port) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        var response =
            HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(250);
    }
    throw new AssertionError(
        "instance on port " + port + " not ready within 60 s; see target/it-logs");
  }

  private static final Pattern GROUPS_SCORED =
      Pattern.compile("grpo_reward_groups_scored_total\\{source=\"kafka\"} ([0-9.E]+)");

  private static double groupsScored(int port) throws Exception {
    var body =
        HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    var m = GROUPS_SCORED.matcher(body);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  private static int freePort() throws IOException {
    try (var socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
