package dev.grpo.reward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.grpo.contracts.CheckerSpec;
import dev.grpo.contracts.Contracts;
import dev.grpo.contracts.DeadLetter;
import dev.grpo.contracts.DeadLetters;
import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.ExternalPart;
import dev.grpo.contracts.ExternalPart.OnTimeout;
import dev.grpo.contracts.RewardPart;
import dev.grpo.contracts.RewardSpec;
import dev.grpo.contracts.ScoredGroup;
import dev.grpo.contracts.Topics;
import dev.grpo.localinfra.KafkaTestResource;
import dev.grpo.localinfra.SharedTestInfrastructure;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The join of topic parts through Kafka Streams (exactly_once_v2) on the real embedded broker:
 * groups and parts in, one ScoredGroup per group visible to a read_committed reader, bad parts and
 * dropped groups in grpo.dlq with their reasons.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = false)
class PartJoinKafkaTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static KafkaFixture kafka;

  @BeforeAll
  static void topics() {
    kafka = new KafkaFixture(SharedTestInfrastructure.kafka().bootstrapServers());
    kafka.createTopics();
  }

  private static RewardSpec spec(long timeoutMillis, OnTimeout onTimeout) {
    return new RewardSpec(
        List.of(
            new CheckerSpec("math_equiv", 1.0, null),
            new CheckerSpec("judge", 0.5, null, ExternalPart.topic(timeoutMillis, onTimeout))));
  }

  private static RewardPart part(String groupId, List<Double> scores) {
    return new RewardPart(Contracts.SCHEMA_VERSION, "run-test", groupId, "judge", scores, null);
  }

  /** Once what is expected is visible, a second look this long finds nothing more. */
  private static final Duration SETTLE = Duration.ofSeconds(3);

  private static List<ScoredGroup> scored(String groupId, int atLeast) {
    return scored(groupId, atLeast, WAIT);
  }

  private static List<ScoredGroup> scored(String groupId, int atLeast, Duration wait) {
    return kafka
        .readUntil(
            Topics.SCORED,
            true,
            wait,
            rs -> rs.stream().filter(r -> groupId.equals(r.key())).count() >= atLeast)
        .stream()
        .filter(r -> groupId.equals(r.key()))
        .map(r -> EventJson.fromBytes(r.value(), ScoredGroup.class))
        .toList();
  }

  private static List<DeadLetter> letters(String groupId, int atLeast) {
    return kafka
        .readUntil(
            Topics.DLQ,
            true,
            WAIT,
            rs -> rs.stream().filter(r -> groupId.equals(r.key())).count() >= atLeast)
        .stream()
        .filter(r -> groupId.equals(r.key()))
        .map(ConsumerRecord::value)
        .map(v -> EventJson.fromBytes(v, DeadLetter.class))
        .toList();
  }

  @Test
  void partsBeforeAndAfterTheirGroupAreJoinedOnce() {
    String after = "join-after-" + UUID.randomUUID();
    String before = "join-before-" + UUID.randomUUID();
    kafka.sendEventsTo(
        Topics.REWARD_PARTS, List.of(Map.entry(before, part(before, List.of(1.0, 1.0)))));
    kafka.sendEvents(
        List.of(
            Map.entry(
                after, Fixtures.group(after, spec(30_000, null), "4", List.of("\\boxed{4}", "x"))),
            Map.entry(
                before,
                Fixtures.group(before, spec(30_000, null), "4", List.of("\\boxed{4}", "x")))));
    kafka.sendEventsTo(
        Topics.REWARD_PARTS,
        List.of(
            Map.entry(after, part(after, List.of(0.5, 1.0))),
            Map.entry(after, part(after, List.of(0.0, 0.0)))));

    var out = scored(after, 1);
    assertThat(out).hasSize(1);
    var first = out.get(0).scores().get(0);
    assertThat(first.components()).containsEntry("math_equiv", 1.0).containsEntry("judge", 0.5);
    assertThat(first.total()).isCloseTo(1.25, within(1e-12));
    assertThat(scored(before, 1)).hasSize(1);
    // Neither the direct path nor a second emission wrote another one.
    assertThat(scored(after, 2, SETTLE)).hasSize(1);
  }

  @Test
  void badPartsAndDroppedGroupsEndInTheDeadLetterTopicWithTheirReason() {
    String bad = "join-bad-" + UUID.randomUUID();
    kafka.sendEvents(
        List.of(
            Map.entry(
                bad, Fixtures.group(bad, spec(300, OnTimeout.DROP), "4", List.of("a", "b")))));
    kafka.sendEventsTo(Topics.REWARD_PARTS, List.of(Map.entry(bad, part(bad, List.of(1.0)))));
    var letters = letters(bad, 2);
    assertThat(letters)
        .extracting(DeadLetter::stage)
        .containsExactlyInAnyOrder(DeadLetters.REWARD_PART, DeadLetters.REWARD_JOIN);
    assertThat(letters)
        .extracting(DeadLetter::reason)
        .contains(
            "part 'judge' of group '"
                + bad
                + "': scores must hold one score per completion (2), was 1",
            "part 'judge' did not arrive within 300 ms (onTimeout drop)");
    assertThat(scored(bad, 1, SETTLE)).isEmpty();
  }

  @Test
  void anHttpPartAndATopicPartAreBothJoinedAndTheHttpPartIsLogged() throws Exception {
    var server =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/get_reward",
        ex -> {
          ex.getRequestBody().readAllBytes();
          byte[] body =
              "{\"rewards\":[0.25,0.75]}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    server.start();
    try {
      String id = "join-http-" + UUID.randomUUID();
      var spec =
          new RewardSpec(
              List.of(
                  new CheckerSpec("math_equiv", 1.0, null),
                  new CheckerSpec("judge", 0.5, null, ExternalPart.topic(30_000, null)),
                  new CheckerSpec(
                      "rm",
                      2.0,
                      null,
                      ExternalPart.http(
                          "http://127.0.0.1:" + server.getAddress().getPort() + "/get_reward",
                          ExternalPart.Format.OPENRLHF,
                          5_000,
                          null))));
      kafka.sendEvents(
          List.of(Map.entry(id, Fixtures.group(id, spec, "4", List.of("\\boxed{4}", "x")))));
      kafka.sendEventsTo(Topics.REWARD_PARTS, List.of(Map.entry(id, part(id, List.of(1.0, 0.0)))));
      var out = scored(id, 1);
      assertThat(out).hasSize(1);
      var first = out.get(0).scores().get(0);
      assertThat(first.components())
          .containsEntry("math_equiv", 1.0)
          .containsEntry("judge", 1.0)
          .containsEntry("rm", 0.25);
      assertThat(first.total()).isCloseTo(1.0 + 0.5 + 0.5, within(1e-12));
      var logged =
          kafka
              .readUntil(
                  Topics.REWARD_PARTS,
                  true,
                  WAIT,
                  rs -> rs.stream().filter(r -> id.equals(r.key())).count() >= 2)
              .stream()
              .filter(r -> id.equals(r.key()))
              .map(r -> EventJson.fromBytes(r.value(), RewardPart.class).checker())
              .toList();
      assertThat(logged).containsExactlyInAnyOrder("judge", "rm");
    } finally {
      server.stop(0);
    }
  }
}
