package dev.grpo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grpo.contracts.GroupTracing;
import dev.grpo.contracts.ProducerHeader;
import dev.grpo.contracts.Topics;
import dev.grpo.e2e.OtlpReceiver.ReceivedSpan;
import dev.grpo.localinfra.DatabaseEndpoint;
import dev.grpo.localinfra.SharedTestInfrastructure;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Traces through Kafka across processes: the three packaged services export their spans over
 * OTLP/HTTP (protobuf) to a receiver inside this test ({@link OtlpReceiver}) during a short demo
 * run, and one trained group's spans, found by its {@code grpo.group.id} attribute, must form one
 * trace that spans the three services hop by hop: the trainer's issue span is the root, the rollout
 * worker's generate span its child, the reward service's score span the worker's child, and the
 * trainer's train span the reward service's child. The group's records carry exactly one {@code
 * traceparent} each (nothing else injects a second one) and name their producer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TracesIT {
  static final String NAME = "traces-e2e";
  static final Duration WAIT = Duration.ofSeconds(60);

  /** Spans are batched by the services; a short delay keeps the test short. */
  static final String EXPORT_DELAY = "200ms";

  private final List<ServiceProcess> services = new ArrayList<>();
  private OtlpReceiver receiver;
  private TrainerClient trainer;
  private DatabaseEndpoint db;
  private String bootstrap;
  private String runId;
  private String partRunId;
  private Process partService;

  @BeforeAll
  void startReceiverPlatformAndRun() throws Exception {
    bootstrap = SharedTestInfrastructure.kafka().bootstrapServers();
    db = SharedTestInfrastructure.postgres().endpoint();
    PlatformProcesses.createTopics(bootstrap);
    receiver = OtlpReceiver.start();
    // What docs/operations.md ("Traces") tells an operator to set, pointed at the receiver.
    Map<String, String> tracing =
        Map.of(
            "QUARKUS_OTEL_SDK_DISABLED",
            "false",
            "QUARKUS_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            receiver.uri().toString(),
            "QUARKUS_OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            "http/protobuf",
            "QUARKUS_OTEL_BSP_SCHEDULE_DELAY",
            EXPORT_DELAY);
    PlatformProcesses.start(bootstrap, db, NAME, DemoPipelineIT.START_TIMEOUT, services, tracing);
    trainer = new TrainerClient(services.get(0).uri());
    ObjectNode config = DemoRecipe.builtIn().withSteps(3).withName(NAME).runConfig();
    ((ObjectNode) config.path("eval")).put("size", 20).put("every", 0);
    runId = trainer.createRun(config);
    // A second run whose spec names a topic part, scored by the Python example part service: its
    // groups go through the join, and the part's record carries the rollout's traceparent on.
    Path examples = ServiceProcess.projectRoot().resolve("examples/python-reward");
    var pb =
        new ProcessBuilder(List.of("/usr/bin/python3", "-u", "topic_reward.py"))
            .directory(examples.toFile())
            .redirectErrorStream(true);
    pb.redirectOutput(Path.of("target", NAME + "-logs", "topic_reward.log").toFile());
    pb.environment().put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
    partService = pb.start();
    ObjectNode partConfig = DemoRecipe.builtIn().withSteps(2).withName(NAME + "-part").runConfig();
    partConfig.put("groupsPerStep", 2).put("groupSize", 4);
    ((ObjectNode) partConfig.path("eval")).put("size", 20).put("every", 0);
    partConfig.set(
        "rewardSpec",
        new ObjectMapper()
            .readTree(
                "{\"checkers\":[{\"name\":\"exact_match\",\"weight\":1.0,\"params\":{\"extract\":\"region\"}},"
                    + "{\"name\":\"brevity\",\"weight\":0.2,\"external\":{\"via\":\"topic\",\"timeoutMillis\":60000}}]}"));
    partRunId = trainer.createRun(partConfig);
  }

  @AfterAll
  void stopEverything() {
    if (partService != null) {
      partService.destroy();
    }
    for (int i = services.size() - 1; i >= 0; i--) {
      services.get(i).close();
    }
    if (receiver != null) {
      receiver.close();
    }
  }

  @Test
  void oneTrainedGroupIsOneTraceAcrossTheThreeServices() throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    String groupId = awaitTrainedGroup(runId, deadline);

    Map<String, ReceivedSpan> byName =
        awaitSpans(
            groupId,
            deadline,
            List.of(
                GroupTracing.ISSUE_SPAN,
                GroupTracing.GENERATE_SPAN,
                GroupTracing.SCORE_SPAN,
                GroupTracing.TRAIN_SPAN));
    ReceivedSpan issue = byName.get(GroupTracing.ISSUE_SPAN);
    ReceivedSpan generate = byName.get(GroupTracing.GENERATE_SPAN);
    ReceivedSpan score = byName.get(GroupTracing.SCORE_SPAN);
    ReceivedSpan train = byName.get(GroupTracing.TRAIN_SPAN);

    assertThat(byName.values())
        .as("trace ids of group %s's spans %s", groupId, byName)
        .extracting(ReceivedSpan::traceId)
        .containsOnly(issue.traceId());
    assertThat(issue.service()).isEqualTo("trainer-service");
    assertThat(generate.service()).isEqualTo("rollout-service");
    assertThat(score.service()).isEqualTo("reward-service");
    assertThat(train.service()).isEqualTo("trainer-service");
    assertThat(issue.parentSpanId()).as("the issue span is the trace's root").isEmpty();
    assertThat(generate.parentSpanId()).isEqualTo(issue.spanId());
    assertThat(score.parentSpanId()).isEqualTo(generate.spanId());
    assertThat(train.parentSpanId()).isEqualTo(score.spanId());
    assertThat(train.attributes()).containsEntry("grpo.run.id", runId).containsKey("grpo.step");
    assertThat(receiver.problems()).isEmpty();

    // Every record of the group carries one traceparent of this trace, and its producer.
    for (String topic : List.of(Topics.PROMPTS, Topics.ROLLOUTS, Topics.SCORED)) {
      ConsumerRecord<byte[], byte[]> r = record(topic, groupId);
      assertThat(r.headers().headers(GroupTracing.TRACEPARENT))
          .as("traceparent headers of %s's record", topic)
          .hasSize(1);
      assertThat(new String(r.headers().lastHeader(GroupTracing.TRACEPARENT).value()))
          .contains(issue.traceId());
      assertThat(ProducerHeader.of(r.headers())).as("producer of %s's record", topic).isPresent();
    }
    assertThat(ProducerHeader.of(record(Topics.SCORED, groupId).headers()))
        .contains("reward-" + NAME);

    // The console's lineage names the reward instance that scored the group.
    var lineage =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        services.get(0).uri().resolve("/console/api/groups/" + groupId))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(lineage.statusCode()).isEqualTo(200);
    assertThat(new ObjectMapper().readTree(lineage.body()).path("scored").path("producer").asText())
        .isEqualTo("reward-" + NAME);
  }

  @Test
  void aGroupScoredFromATopicPartIsOneTraceThroughTheJoinAndThePythonPartService()
      throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    String groupId = awaitTrainedGroup(partRunId, deadline);

    Map<String, ReceivedSpan> byName =
        awaitSpans(
            groupId,
            deadline,
            List.of(
                GroupTracing.ISSUE_SPAN,
                GroupTracing.GENERATE_SPAN,
                GroupTracing.PART_SPAN,
                GroupTracing.JOIN_SPAN,
                GroupTracing.TRAIN_SPAN));
    ReceivedSpan issue = byName.get(GroupTracing.ISSUE_SPAN);
    ReceivedSpan generate = byName.get(GroupTracing.GENERATE_SPAN);
    ReceivedSpan part = byName.get(GroupTracing.PART_SPAN);
    ReceivedSpan join = byName.get(GroupTracing.JOIN_SPAN);
    ReceivedSpan train = byName.get(GroupTracing.TRAIN_SPAN);

    assertThat(byName.values())
        .as("trace ids of group %s's spans %s", groupId, byName)
        .extracting(ReceivedSpan::traceId)
        .containsOnly(issue.traceId());
    assertThat(byName).doesNotContainKey(GroupTracing.SCORE_SPAN);
    assertThat(generate.parentSpanId()).isEqualTo(issue.spanId());
    assertThat(part.parentSpanId())
        .as("the Python part service passed the rollout's traceparent on")
        .isEqualTo(generate.spanId());
    assertThat(part.attributes())
        .containsEntry("grpo.checker", "brevity")
        .containsEntry("grpo.part.producer", "part-brevity");
    assertThat(join.service()).isEqualTo("reward-service");
    assertThat(join.parentSpanId()).isEqualTo(generate.spanId());
    assertThat(train.parentSpanId()).isEqualTo(join.spanId());
  }

  /** A group of {@code run} trained in its first step, once one is. */
  private String awaitTrainedGroup(String run, long deadline) throws Exception {
    while (System.nanoTime() < deadline) {
      checkAlive();
      try (Connection c = db.connect();
          var st =
              c.prepareStatement(
                  "select group_id from prompt_group where run_id = ? and state = 'TRAINED'"
                      + " order by prompt_index limit 1")) {
        st.setString(1, run);
        try (ResultSet rs = st.executeQuery()) {
          if (rs.next()) {
            return rs.getString(1);
          }
        }
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException(
        "run " + run + " trained no group in " + WAIT.toSeconds() + " s");
  }

  /** The group's hop spans by name, once all {@code wanted} have arrived. */
  private Map<String, ReceivedSpan> awaitSpans(String groupId, long deadline, List<String> wanted)
      throws Exception {
    Map<String, ReceivedSpan> byName = new LinkedHashMap<>();
    while (true) {
      byName.clear();
      for (ReceivedSpan s : receiver.spans()) {
        if (groupId.equals(s.attributes().get(GroupTracing.GROUP_ID.getKey()))) {
          byName.putIfAbsent(s.name(), s);
        }
      }
      if (byName.keySet().containsAll(wanted)) {
        return byName;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "spans of group "
                + groupId
                + " after "
                + WAIT.toSeconds()
                + " s: "
                + byName.keySet()
                + ", wanted "
                + wanted
                + "; received "
                + receiver.spans().size()
                + " spans by service: "
                + receiver.spans().stream()
                    .collect(Collectors.groupingBy(ReceivedSpan::service, Collectors.counting())));
      }
      checkAlive();
      Thread.sleep(200);
    }
  }

  /** The record of {@code groupId} on {@code topic}, found through the console's record index. */
  private ConsumerRecord<byte[], byte[]> record(String topic, String groupId) throws Exception {
    int partition;
    long offset;
    try (Connection c = db.connect();
        var st =
            c.prepareStatement(
                "select partition_no, record_offset from record_index where topic = ? and"
                    + " group_id = ? order by record_offset limit 1")) {
      st.setString(1, topic);
      st.setString(2, groupId);
      try (ResultSet rs = st.executeQuery()) {
        assertThat(rs.next()).as("%s indexed on %s", groupId, topic).isTrue();
        partition = rs.getInt(1);
        offset = rs.getLong(2);
      }
    }
    var p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    try (var consumer = new KafkaConsumer<byte[], byte[]>(p)) {
      var tp = new TopicPartition(topic, partition);
      consumer.assign(List.of(tp));
      consumer.seek(tp, offset);
      long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (System.nanoTime() < until) {
        for (var r : consumer.poll(Duration.ofMillis(500))) {
          if (r.offset() == offset) {
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(groupId);
            return r;
          }
        }
      }
    }
    throw new AssertionError(topic + "-" + partition + "@" + offset + " not read back");
  }

  private void checkAlive() {
    for (ServiceProcess p : services) {
      if (!p.alive()) {
        throw new IllegalStateException(p.name + " died; " + p.describeLog());
      }
    }
  }
}
