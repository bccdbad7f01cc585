package dev.grpo.trainer.service;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grpo.contracts.Contracts;
import dev.grpo.contracts.DeadLetter;
import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.PolicyVersion;
import dev.grpo.contracts.Topics;
import dev.grpo.contracts.TrainerStep;
import dev.grpo.localinfra.KafkaTestResource;
import dev.grpo.localinfra.PostgresTestResource;
import dev.grpo.localinfra.SharedTestInfrastructure;
import dev.grpo.policy.checkpoint.HfCheckpoint;
import dev.grpo.trainer.messaging.KafkaClients;
import dev.grpo.trainer.messaging.TrainerLoop;
import dev.grpo.trainer.persistence.PromptGroupEntity;
import dev.grpo.trainer.run.TestRuns;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real training runs: the app's trainer against the real broker and database, fed by {@link
 * ScoringFeeder} (real sampler and checkers). Covers persisted steps, published and loadable policy
 * versions, resume after the training loop is killed mid-step and between steps, and dead-lettered
 * groups being dropped and replaced.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = false)
class TrainingRunTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static ScoringFeeder feeder;

  @Inject TrainerLoop loop;

  @BeforeAll
  static void startFeeder() {
    feeder = new ScoringFeeder(SharedTestInfrastructure.kafka().bootstrapServers());
  }

  @AfterAll
  static void stopFeeder() throws Exception {
    feeder.close();
  }

  private static String create(Map<String, Object> config) {
    return given()
        .contentType(ContentType.JSON)
        .body(config)
        .post("/runs")
        .then()
        .statusCode(201)
        .extract()
        .path("id");
  }

  /**
   * The training loop dies, as if killed, the first time it reaches {@code point} at {@code step}.
   */
  private void killOnceAt(FaultInjector.Point point, int step, String why) {
    var killed = new AtomicBoolean();
    loop.setFaultInjector(
        (p, runId, s) -> {
          if (p == point && s == step && killed.compareAndSet(false, true)) {
            throw new FaultInjector.SimulatedCrash(why);
          }
        });
  }

  private static void awaitEnded(String id) {
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> status(id).equals("COMPLETED") || status(id).equals("FAILED"));
  }

  private static JsonNode run(String id) throws Exception {
    return JSON.readTree(given().get("/runs/" + id).then().statusCode(200).extract().asString());
  }

  private static String status(String id) throws Exception {
    return run(id).get("status").asText();
  }

  @Test
  void shortRunPersistsStepsAndPublishesLoadableVersions() throws Exception {
    String bootstrap = SharedTestInfrastructure.kafka().bootstrapServers();
    // A well-formed group of a run this trainer never had, in the run's way.
    sendScored(bootstrap, Groups.scored("run-of-another-trainer", "g-foreign", 0, 1.0, 0.0));
    String id = create(TestRuns.tiny(4, 2));
    awaitEnded(id);
    assertThat(status(id)).as(run(id).toString()).isEqualTo("COMPLETED");
    assertThat(feeder.failure()).isNull();
    // The stored run spec comes back with the request's spellings (the e2e launcher reads it).
    JsonNode config = run(id).get("config");
    assertThat(config.at("/loss/variant").asText()).isEqualTo("grpo");
    assertThat(config.at("/optimizer/schedule").asText()).isEqualTo("constant");
    assertThat(config.at("/model/tokenizer/type").asText()).isEqualTo("char");
    assertThat(config.get("seed").asLong()).isEqualTo(11);
    assertThat(config.get("maxStaleness").asInt()).isEqualTo(1);

    JsonNode steps =
        JSON.readTree(
            given().get("/runs/" + id + "/steps").then().statusCode(200).extract().asString());
    assertThat(steps).hasSize(4);
    for (int i = 0; i < 4; i++) {
      JsonNode s = steps.get(i);
      assertThat(s.get("step").asInt()).isEqualTo(i + 1);
      assertThat(s.get("groups").asInt()).isEqualTo(2);
      assertThat(s.get("tokens").asLong()).isPositive();
      assertThat(Double.isFinite(s.get("loss").asDouble())).isTrue();
      assertThat(s.get("metrics").has("grad_norm")).isTrue();
    }
    // Checkpoints every 2 steps: versions 0 (initial), 1 (step 2), 2 (step 4); each loads and
    // matches its sha256.
    JsonNode versions =
        JSON.readTree(given().get("/runs/" + id + "/versions").then().extract().asString());
    assertThat(versions).hasSize(3);
    for (int v = 0; v < 3; v++) {
      JsonNode ver = versions.get(v);
      assertThat(ver.get("version").asInt()).isEqualTo(v);
      assertThat(ver.get("step").asInt()).isEqualTo(2 * v);
      Path dir = Path.of(URI.create(ver.get("checkpointUri").asText()));
      assertThat(HfCheckpoint.sha256(dir)).isEqualTo(ver.get("sha256").asText());
      try (var loaded = HfCheckpoint.load(dir, ai.djl.Device.cpu())) {
        assertThat(loaded.config().vocabSize()).isEqualTo(19);
      }
    }
    // The same versions and the 4 steps went out on Kafka.
    var published = readTopic(Topics.POLICY, id);
    assertThat(
            published.stream()
                .map(b -> EventJson.fromBytes(b, PolicyVersion.class))
                .map(p -> p.version() + ":" + p.sha256())
                .distinct()
                .toList())
        .containsExactly(
            "0:" + versions.get(0).get("sha256").asText(),
            "1:" + versions.get(1).get("sha256").asText(),
            "2:" + versions.get(2).get("sha256").asText());
    assertThat(
            readTopic(Topics.STEPS, id).stream()
                .map(b -> EventJson.fromBytes(b, TrainerStep.class).step())
                .toList())
        .containsExactly(1L, 2L, 3L, 4L);
    // Held-out evaluation at steps 0, 2, 4 (exact_match accuracy and mean reward).
    JsonNode evals =
        JSON.readTree(given().get("/runs/" + id + "/evals").then().extract().asString());
    var evalSteps = new HashSet<Integer>();
    evals.forEach(e -> evalSteps.add(e.get("step").asInt()));
    assertThat(evalSteps).containsExactlyInAnyOrder(0, 2, 4);
    assertNothingLostNorTrainedTwice(id, 4, 2);
    // A forged group of the finished run; then every record is settled and the lag returns to 0.
    sendScored(bootstrap, Groups.scored(id, "g-forged", 0, 1.0, 0.0));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> dev.grpo.trainer.messaging.ScoredLag.of(bootstrap) == 0);
    String metrics = given().get("/q/metrics").then().extract().asString();
    assertThat(metrics)
        .contains("grpo_trainer_groups_stray_total{reason=\"foreign_run\"}")
        .contains("grpo_trainer_groups_stray_total{reason=\"unknown_group\"}");
    // Metrics reach Prometheus.
    given()
        .get("/q/metrics")
        .then()
        .statusCode(200)
        .body(org.hamcrest.Matchers.containsString("grpo_trainer_step_time_seconds"))
        .body(org.hamcrest.Matchers.containsString("grpo_trainer_staleness"));
  }

  @Test
  void resumesAfterKillsMidStepAndBetweenStepsWithNothingLostOrTrainedTwice() throws Exception {
    killOnceAt(FaultInjector.Point.MID_STEP, 3, "kill in the middle of step 3");
    String id = create(TestRuns.tiny(6, 2));
    await().atMost(Duration.ofSeconds(120)).until(() -> !loop.isRunning());
    assertThat(loop.lastCrash()).isInstanceOf(FaultInjector.SimulatedCrash.class);
    JsonNode r = run(id);
    assertThat(r.get("completedSteps").asInt())
        .as("step 3 died before it was persisted")
        .isEqualTo(2);
    assertThat(r.get("checkpointStep").asInt()).isEqualTo(2);

    killOnceAt(
        FaultInjector.Point.AFTER_STEP,
        5,
        "kill after step 5 was persisted, before its checkpoint");
    loop.start();
    await().atMost(Duration.ofSeconds(120)).until(() -> !loop.isRunning());
    r = run(id);
    assertThat(r.get("completedSteps").asInt())
        .as("step 5 persisted, checkpoint still at 4")
        .isEqualTo(5);
    assertThat(r.get("checkpointStep").asInt()).isEqualTo(4);

    loop.setFaultInjector(FaultInjector.NONE);
    loop.start();
    awaitEnded(id);
    assertThat(status(id)).as(run(id).toString()).isEqualTo("COMPLETED");
    JsonNode steps =
        JSON.readTree(given().get("/runs/" + id + "/steps").then().extract().asString());
    assertThat(steps).hasSize(6);
    assertNothingLostNorTrainedTwice(id, 6, 2);

    // The final checkpoint lists exactly the trained groups, each once.
    JsonNode versions =
        JSON.readTree(given().get("/runs/" + id + "/versions").then().extract().asString());
    JsonNode last = versions.get(versions.size() - 1);
    assertThat(last.get("step").asInt()).isEqualTo(6);
    JsonNode state =
        JSON.readTree(
            Path.of(URI.create(last.get("checkpointUri").asText()))
                .resolve(RunCheckpointer.RUN_STATE_FILE)
                .toFile());
    var ids = new ArrayList<String>();
    state.get("trainedGroupIds").forEach(n -> ids.add(n.asText()));
    assertThat(ids).doesNotHaveDuplicates().hasSize(12);
    assertThat(new HashSet<>(ids)).isEqualTo(new HashSet<>(trainedIds(id)));
  }

  @Test
  void killedAfterTheBrokerAcknowledgedTasksItSendsNoneOfThemTwice() throws Exception {
    killOnceAt(
        FaultInjector.Point.AFTER_PROMPTS_ACKNOWLEDGED,
        3,
        "kill after the tasks of step 3 were acknowledged, before they were marked sent");
    String id = create(TestRuns.tiny(4, 2));
    await().atMost(Duration.ofSeconds(120)).until(() -> !loop.isRunning());
    assertThat(loop.lastCrash()).isInstanceOf(FaultInjector.SimulatedCrash.class);
    assertThat(
            QuarkusTransaction.requiringNew()
                .call(
                    () ->
                        PromptGroupEntity.<PromptGroupEntity>list("runId = ?1 and sent = false", id)
                            .size()))
        .as("the acknowledged tasks of step 3 are not marked sent")
        .isPositive();

    loop.setFaultInjector(FaultInjector.NONE);
    loop.start();
    awaitEnded(id);
    assertThat(status(id)).as(run(id).toString()).isEqualTo("COMPLETED");
    assertNothingLostNorTrainedTwice(id, 4, 2);
    List<String> prompted = keysOn(Topics.PROMPTS, id + "-g");
    assertThat(prompted).as("each task once on grpo.prompts").doesNotHaveDuplicates();
    assertThat(new HashSet<>(prompted))
        .as("every issued group on grpo.prompts")
        .isEqualTo(
            new HashSet<>(
                QuarkusTransaction.requiringNew()
                    .call(
                        () ->
                            PromptGroupEntity.<PromptGroupEntity>list("runId", id).stream()
                                .map(g -> g.groupId)
                                .toList())));
  }

  @Test
  void deadLetteredGroupIsDroppedAndReplacedAndDuplicateOrUnknownLettersAreIgnored()
      throws Exception {
    var before = new HashSet<String>();
    JSON.readTree(given().get("/runs").then().statusCode(200).extract().asString())
        .forEach(r -> before.add(r.get("id").asText()));
    var lettered = new AtomicReference<String>();
    // The feeder gives up on the second prompt of the new run, as a rollout worker would.
    feeder.deadLetterWhen(
        t ->
            !before.contains(t.runId())
                && t.groupId().endsWith("-g1")
                && lettered.compareAndSet(null, t.groupId()));
    String id;
    try {
      id = create(TestRuns.tiny(4, 2));
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> status(id).equals("COMPLETED") || status(id).equals("FAILED"));
    } finally {
      feeder.deadLetterWhen(t -> false);
    }
    assertThat(status(id)).as(run(id).toString()).isEqualTo("COMPLETED");
    assertThat(feeder.failure()).isNull();
    String groupId = lettered.get();
    assertThat(groupId).isEqualTo(id + "-g1");
    String reason = DropReason.deadLetter(ScoringFeeder.STAGE);
    assertThat(reason).isEqualTo("dead_letter:rollout/generate");
    PromptGroupEntity g = group(groupId);
    assertThat(g.state).isEqualTo(PromptGroupEntity.DROPPED);
    assertThat(g.dropReason).isEqualTo(reason);

    // issued = inFlight + trained + dropped; 8 groups trained although one of the first 4 never
    // came
    // back, so its credit issued a replacement.
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> run(id).get("groups").get("inFlight").asInt() == 0);
    JsonNode groups = run(id).get("groups");
    assertThat(groups.get("trained").asLong()).isEqualTo(8);
    assertThat(groups.get("dropped").get(reason).asLong()).isEqualTo(1);
    long dropped = 0;
    for (var it = groups.get("dropped").fields(); it.hasNext(); ) {
      var e = it.next();
      assertThat(e.getKey()).isIn(reason, "stale", "run_completed");
      dropped += e.getValue().asLong();
    }
    assertThat(groups.get("issued").asLong()).isEqualTo(8 + dropped).isGreaterThan(8);
    given()
        .get("/q/metrics")
        .then()
        .statusCode(200)
        .body(org.hamcrest.Matchers.containsString("reason=\"" + reason + "\""));

    // Redelivered letter, a letter for a trained group, one for an unknown group, and garbage:
    // all ignored, the loop keeps running, nothing in the accounting moves.
    String trainedId = trainedIds(id).get(0);
    String bootstrap = SharedTestInfrastructure.kafka().bootstrapServers();
    var pp = new Properties();
    pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    try (var producer = new KafkaProducer<String, byte[]>(pp)) {
      for (String key : List.of(groupId, trainedId, id + "-g999999", "no-such-group")) {
        var letter =
            new DeadLetter(
                Contracts.SCHEMA_VERSION,
                "reward-service/score",
                "late duplicate",
                Topics.ROLLOUTS,
                0,
                0,
                key,
                new byte[0],
                Instant.now());
        producer.send(new ProducerRecord<>(Topics.DLQ, key, EventJson.toBytes(letter))).get();
      }
      producer.send(new ProducerRecord<>(Topics.DLQ, trainedId, "not json".getBytes())).get();
    }
    awaitDeadLettersConsumed(bootstrap);
    assertThat(loop.isRunning()).isTrue();
    assertThat(run(id).get("groups")).isEqualTo(groups);
    assertThat(group(trainedId).state).isEqualTo(PromptGroupEntity.TRAINED);
    assertThat(group(groupId).dropReason).isEqualTo(reason);
  }

  private static PromptGroupEntity group(String groupId) {
    return QuarkusTransaction.requiringNew()
        .call(() -> PromptGroupEntity.<PromptGroupEntity>findById(groupId));
  }

  /** Waits until the trainer's dead-letter group has committed everything on grpo.dlq. */
  private static void awaitDeadLettersConsumed(String bootstrap) {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                var partitions =
                    admin
                        .describeTopics(List.of(Topics.DLQ))
                        .allTopicNames()
                        .get()
                        .get(Topics.DLQ)
                        .partitions();
                var latest = new HashMap<TopicPartition, OffsetSpec>();
                partitions.forEach(
                    p ->
                        latest.put(
                            new TopicPartition(Topics.DLQ, p.partition()), OffsetSpec.latest()));
                var ends = admin.listOffsets(latest).all().get();
                var committed =
                    admin
                        .listConsumerGroupOffsets(KafkaClients.DEAD_LETTER_CONSUMER_GROUP)
                        .partitionsToOffsetAndMetadata()
                        .get();
                return ends.entrySet().stream()
                    .allMatch(
                        e ->
                            e.getValue().offset() == 0
                                || (committed.get(e.getKey()) != null
                                    && committed.get(e.getKey()).offset()
                                        >= e.getValue().offset()));
              });
    }
  }

  private static List<String> trainedIds(String runId) {
    return QuarkusTransaction.requiringNew()
        .call(
            () ->
                PromptGroupEntity.<PromptGroupEntity>list(
                        "runId = ?1 and state = ?2", runId, PromptGroupEntity.TRAINED)
                    .stream()
                    .map(g -> g.groupId)
                    .toList());
  }

  /**
   * Every issued group ends trained (exactly steps x groupsPerStep, each in one step) or dropped
   * with a reason; none stays in flight once the feeder has delivered everything.
   */
  private static void assertNothingLostNorTrainedTwice(String runId, int steps, int perStep)
      throws Exception {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> run(runId).get("groups").get("inFlight").asInt() == 0);
    JsonNode groups = run(runId).get("groups");
    long dropped = 0;
    for (var it = groups.get("dropped").fields(); it.hasNext(); ) {
      var e = it.next();
      assertThat(e.getKey()).isIn("stale", "run_completed");
      dropped += e.getValue().asLong();
    }
    assertThat(groups.get("trained").asLong()).isEqualTo((long) steps * perStep);
    assertThat(groups.get("issued").asLong()).isEqualTo(groups.get("trained").asLong() + dropped);
    Map<Integer, Integer> perStepCount =
        QuarkusTransaction.requiringNew()
            .call(
                () -> {
                  Map<Integer, Integer> m = new HashMap<>();
                  PromptGroupEntity.<PromptGroupEntity>list(
                          "runId = ?1 and state = ?2", runId, PromptGroupEntity.TRAINED)
                      .forEach(g -> m.merge(g.trainedStep, 1, Integer::sum));
                  return m;
                });
    for (int s = 1; s <= steps; s++) {
      assertThat(perStepCount.get(s)).as("groups of step " + s).isEqualTo(perStep);
    }
  }

  private static void sendScored(String bootstrap, dev.grpo.contracts.ScoredGroup g) {
    try (var producer = dev.grpo.localinfra.PoisonRecords.producer(bootstrap)) {
      dev.grpo.localinfra.PoisonRecords.send(
          producer,
          Topics.SCORED,
          List.of(
              new dev.grpo.localinfra.PoisonRecords.Poison(
                  g.groupId(), "stray", EventJson.toBytes(g))));
    }
  }

  /** Every value of {@code topic} keyed by {@code key}, from the beginning. */
  private static List<byte[]> readTopic(String topic, String key) {
    return readTopic(topic, key::equals).stream().map(Map.Entry::getValue).toList();
  }

  /** The keys of {@code topic}'s records that start with {@code prefix}, one per record. */
  private static List<String> keysOn(String topic, String prefix) {
    return readTopic(topic, k -> k != null && k.startsWith(prefix)).stream()
        .map(Map.Entry::getKey)
        .toList();
  }

  /** Every record of {@code topic} whose key {@code keys} accepts, from the beginning. */
  private static List<Map.Entry<String, byte[]>> readTopic(
      String topic, java.util.function.Predicate<String> keys) {
    var p = new Properties();
    p.put(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
        SharedTestInfrastructure.kafka().bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-reader-" + java.util.UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    var out = new ArrayList<Map.Entry<String, byte[]>>();
    try (var c = new KafkaConsumer<String, byte[]>(p)) {
      c.subscribe(List.of(topic));
      long deadline = System.currentTimeMillis() + 5000;
      int emptyPolls = 0;
      while (System.currentTimeMillis() < deadline && emptyPolls < 5) {
        var records = c.poll(Duration.ofMillis(300));
        if (records.isEmpty() && c.assignment().size() > 0) {
          emptyPolls++;
        }
        records.forEach(
            r -> {
              if (keys.test(r.key())) {
                out.add(Map.entry(r.key(), r.value()));
              }
            });
      }
    }
    return out;
  }
}
