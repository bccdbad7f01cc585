package dev.grpo.trainer.messaging;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grpo.contracts.DeadLetter;
import dev.grpo.contracts.DeadLetters;
import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.Topics;
import dev.grpo.localinfra.KafkaTestResource;
import dev.grpo.localinfra.PoisonRecords;
import dev.grpo.localinfra.PostgresTestResource;
import dev.grpo.localinfra.SharedTestInfrastructure;
import dev.grpo.trainer.service.Groups;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The trainer's {@code grpo.scored} stage against the real broker and database: every record of the
 * poison set becomes a dead letter, the training loop lives on, and the committed position reaches
 * the end of the topic (nothing the trainer waits for is among them).
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = false)
class ScoredPoisonTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @Inject TrainerLoop loop;

  @Test
  void thePoisonSetIsDeadLetteredAndCommitsReachTheEnd() throws Exception {
    String bootstrap = SharedTestInfrastructure.kafka().bootstrapServers();
    String prefix = "trainer-" + UUID.randomUUID();
    try (var admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, (Object) bootstrap))) {
      var existing = admin.listTopics().names().get();
      for (String t : List.of(Topics.SCORED, Topics.DLQ)) {
        if (!existing.contains(t)) {
          admin.createTopics(List.of(new NewTopic(t, 1, (short) 1))).all().get();
        }
      }
    }
    var model = Groups.scored("run-nobody", prefix + "-model", 0, 1.0, 0.0);
    var set = PoisonRecords.forEvent(prefix, EventJson.toJson(model), "exact_match");
    try (var producer = PoisonRecords.producer(bootstrap)) {
      PoisonRecords.send(producer, Topics.SCORED, set);
    }

    var keys = set.stream().map(PoisonRecords.Poison::key).collect(Collectors.toSet());
    Map<String, DeadLetter> byKey = deadLetters(bootstrap, keys);
    assertThat(byKey.keySet()).containsAll(keys);
    for (var p : set) {
      var d = byKey.get(p.key());
      assertThat(d.stage()).as(p.kind()).isEqualTo(DeadLetters.TRAINER_SCORED);
      assertThat(d.sourceTopic()).isEqualTo(Topics.SCORED);
      assertThat(d.reason()).as(p.kind()).isNotBlank();
    }
    var large = byKey.get(prefix + "-compressed-5mb");
    assertThat(large.payloadTruncated()).isTrue();
    assertThat(large.originalPayloadBytes()).isEqualTo((long) PoisonRecords.LARGE_RECORD_BYTES);
    // A well-formed group of a run nobody started is dead-lettered too, naming the run.
    assertThat(byKey.get(prefix + "-unknown-checker").reason()).contains("run-nobody");

    assertThat(loop.isRunning()).isTrue();
    given().get("/q/health/live").then().statusCode(200);
    await().atMost(WAIT).until(() -> ScoredLag.of(bootstrap) == 0);
  }

  private static Map<String, DeadLetter> deadLetters(String bootstrap, Set<String> keys) {
    var p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024);
    Map<String, DeadLetter> out = new HashMap<>();
    try (var c =
        new KafkaConsumer<>(
            p,
            new StringDeserializer(),
            new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
      var parts =
          c.partitionsFor(Topics.DLQ).stream()
              .map(i -> new TopicPartition(Topics.DLQ, i.partition()))
              .toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (!out.keySet().containsAll(keys) && System.nanoTime() < deadline) {
        for (var r : c.poll(Duration.ofMillis(200))) {
          if (keys.contains(r.key())) {
            out.put(r.key(), EventJson.fromBytes(r.value(), DeadLetter.class));
          }
        }
      }
    }
    return out;
  }
}
