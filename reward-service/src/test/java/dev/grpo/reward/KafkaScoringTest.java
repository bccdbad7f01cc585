package dev.grpo.reward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.grpo.contracts.CheckerSpec;
import dev.grpo.contracts.DeadLetter;
import dev.grpo.contracts.DeadLetters;
import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.RewardSpec;
import dev.grpo.contracts.ScoredGroup;
import dev.grpo.contracts.Topics;
import dev.grpo.localinfra.KafkaTestResource;
import dev.grpo.localinfra.PoisonRecords;
import dev.grpo.localinfra.SharedTestInfrastructure;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Kafka path against the real embedded broker. */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = false)
class KafkaScoringTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static KafkaFixture kafka;

  @BeforeAll
  static void topics() {
    kafka = new KafkaFixture(SharedTestInfrastructure.kafka().bootstrapServers());
    kafka.createTopics();
  }

  @Test
  void groupInScoredGroupOut() {
    var groupId = "g-" + UUID.randomUUID();
    var group = Fixtures.mathGroup(groupId);
    kafka.sendEvents(List.of(Map.entry(groupId, group)));

    var scored = scoredById(Set.of(groupId), true);
    assertThat(scored.get(groupId)).hasSize(1);
    var out = scored.get(groupId).get(0);
    assertThat(out.rollout()).isEqualTo(group);
    var scores = out.scores();
    assertThat(scores).hasSize(4);
    // Right and formatted: 1 x math + 0.5 x format.
    assertThat(scores.get(0).total()).isCloseTo(1.5, within(1e-12));
    assertThat(scores.get(0).components())
        .containsEntry("math_equiv", 1.0)
        .containsEntry("r1_format", 1.0);
    // Right, no tags: math only.
    assertThat(scores.get(1).components())
        .containsEntry("math_equiv", 1.0)
        .containsEntry("r1_format", 0.0);
    assertThat(scores.get(1).total()).isCloseTo(1.0, within(1e-12));
    // Wrong but formatted.
    assertThat(scores.get(2).components())
        .containsEntry("math_equiv", 0.0)
        .containsEntry("r1_format", 1.0);
    assertThat(scores.get(3).total()).isCloseTo(0.0, within(1e-12));
    assertThat(scores)
        .allSatisfy(s -> assertThat(s.reasons()).containsKeys("math_equiv", "r1_format"));
  }

  @Test
  void unparseableAndUnscorableRecordsGoToTheDeadLetterTopic() {
    var garbageKey = "bad-json-" + UUID.randomUUID();
    var wrongTypeKey = "bad-field-" + UUID.randomUUID();
    var badSpecKey = "bad-spec-" + UUID.randomUUID();
    var goodKey = "good-" + UUID.randomUUID();
    var badSpecGroup =
        Fixtures.group(
            badSpecKey,
            new RewardSpec(List.of(new CheckerSpec("no_such_checker", 1.0, null))),
            "4",
            List.of("4"));
    var json =
        EventJson.toJson(Fixtures.mathGroup(wrongTypeKey))
            .replace("\"policyVersion\":0", "\"policyVersion\":\"zero\"");
    var sent =
        kafka.sendRaw(
            List.of(
                Map.entry(garbageKey, "{not json".getBytes(StandardCharsets.UTF_8)),
                Map.entry(wrongTypeKey, json.getBytes(StandardCharsets.UTF_8)),
                Map.entry(badSpecKey, EventJson.toBytes(badSpecGroup)),
                Map.entry(goodKey, EventJson.toBytes(Fixtures.mathGroup(goodKey)))));

    var dlq =
        kafka.readUntil(
            Topics.DLQ,
            true,
            WAIT,
            all -> keys(all).containsAll(Set.of(garbageKey, wrongTypeKey, badSpecKey)));
    var byKey = new java.util.HashMap<String, ConsumerRecord<String, byte[]>>();
    dlq.forEach(r -> byKey.put(r.key(), r));

    var garbage = EventJson.fromBytes(byKey.get(garbageKey).value(), DeadLetter.class);
    assertThat(garbage.stage()).isEqualTo(DeadLetters.REWARD_DECODE);
    assertThat(garbage.reason()).contains("malformed JSON");
    assertThat(garbage.sourceTopic()).isEqualTo(Topics.ROLLOUTS);
    assertThat(garbage.sourcePartition()).isEqualTo(sent.get(0).partition());
    assertThat(garbage.sourceOffset()).isEqualTo(sent.get(0).offset());
    assertThat(new String(garbage.payload(), StandardCharsets.UTF_8)).isEqualTo("{not json");
    assertThat(header(byKey.get(garbageKey), DeadLetter.Headers.SOURCE_OFFSET))
        .isEqualTo(Long.toString(sent.get(0).offset()));

    var wrongType = EventJson.fromBytes(byKey.get(wrongTypeKey).value(), DeadLetter.class);
    assertThat(wrongType.reason()).contains("policyVersion");
    assertThat(wrongType.sourceOffset()).isEqualTo(sent.get(1).offset());

    var badSpec = EventJson.fromBytes(byKey.get(badSpecKey).value(), DeadLetter.class);
    assertThat(badSpec.stage()).isEqualTo(DeadLetters.REWARD_SCORE);
    assertThat(badSpec.reason())
        .startsWith("task.rewardSpec.checkers[0].name")
        .contains("no_such_checker");
    assertThat(header(byKey.get(badSpecKey), DeadLetter.Headers.STAGE))
        .isEqualTo(DeadLetters.REWARD_SCORE);

    // The stream goes on: the good record after the bad ones is scored.
    assertThat(scoredById(Set.of(goodKey), true).get(goodKey)).hasSize(1);
  }

  @Test
  void thePoisonSetIsDeadLetteredAndTheStreamMovesOn() {
    var prefix = "reward-" + UUID.randomUUID();
    var set =
        PoisonRecords.forEvent(
            prefix, EventJson.toJson(Fixtures.mathGroup(prefix + "-model")), "math_equiv");
    try (var producer =
        PoisonRecords.producer(SharedTestInfrastructure.kafka().bootstrapServers())) {
      PoisonRecords.send(producer, Topics.ROLLOUTS, set);
    }
    var goodKey = "good-" + UUID.randomUUID();
    kafka.sendEvents(List.of(Map.entry(goodKey, Fixtures.mathGroup(goodKey))));

    var keys = set.stream().map(PoisonRecords.Poison::key).collect(Collectors.toSet());
    var byKey = new java.util.HashMap<String, DeadLetter>();
    kafka
        .readUntil(Topics.DLQ, true, WAIT, all -> keys(all).containsAll(keys))
        .forEach(r -> byKey.put(r.key(), EventJson.fromBytes(r.value(), DeadLetter.class)));
    assertThat(byKey.keySet()).containsAll(keys);
    for (var p : set) {
      var d = byKey.get(p.key());
      assertThat(d.sourceTopic()).isEqualTo(Topics.ROLLOUTS);
      assertThat(d.stage())
          .as(p.kind())
          .isEqualTo(
              p.kind().equals("unknown-checker")
                  ? DeadLetters.REWARD_SCORE
                  : DeadLetters.REWARD_DECODE);
      assertThat(d.reason()).as(p.kind()).isNotBlank();
    }
    var large = byKey.get(prefix + "-compressed-5mb");
    assertThat(large.payloadTruncated()).isTrue();
    assertThat(large.originalPayloadBytes()).isEqualTo((long) PoisonRecords.LARGE_RECORD_BYTES);
    assertThat(byKey.get(prefix + "-unknown-checker").reason())
        .contains(PoisonRecords.UNKNOWN_CHECKER);
    assertThat(scoredById(Set.of(goodKey), true).get(goodKey)).hasSize(1);
  }

  @Test
  void exactlyOnceWhenTheTransactionFailsInTheMiddleOfABatch() {
    int groups = 24;
    var ids = new ArrayList<String>();
    var events = new ArrayList<Map.Entry<String, Object>>();
    // One key prefix per partition is not needed: ids spread over the partitions by hash, and the
    // marked group sits in the middle of what the producer sends in one go.
    for (int i = 0; i < groups; i++) {
      var id = "eos-" + i + "-" + UUID.randomUUID();
      ids.add(id);
      events.add(Map.entry(id, Fixtures.mathGroup(id)));
    }
    int failuresBefore = FailOnceProbe.failures.get();
    double abortedBefore = abortedTransactions();
    FailOnceProbe.markedGroup.set(ids.get(groups / 2));
    kafka.sendEvents(events);

    var committed = scoredById(Set.copyOf(ids), true);
    assertThat(FailOnceProbe.failures.get()).as("injected failures").isEqualTo(failuresBefore + 1);
    assertThat(FailOnceProbe.sentBeforeFailure.get())
        .as("records sent before the abort")
        .isPositive();
    for (var id : ids) {
      assertThat(committed.get(id)).as("committed copies of " + id).hasSize(1);
    }
    // Proof that the failure hit a transaction that had already written records: a
    // read_uncommitted reader sees their aborted copies next to the committed ones.
    var everything = kafka.readUntil(Topics.SCORED, false, Duration.ofSeconds(3), all -> false);
    long duplicatesVisibleUncommitted =
        everything.stream().filter(r -> ids.contains(r.key())).count() - groups;
    assertThat(duplicatesVisibleUncommitted)
        .as("aborted copies visible to read_uncommitted")
        .isGreaterThanOrEqualTo(FailOnceProbe.sentBeforeFailure.get());
    assertThat(abortedTransactions())
        .as("grpo_reward_transactions_aborted_total")
        .isEqualTo(abortedBefore + 1);
  }

  /** The sum of {@code grpo_reward_transactions_aborted_total} over its series, 0 before any. */
  static double abortedTransactions() {
    String text = io.restassured.RestAssured.given().get("/q/metrics").then().extract().asString();
    return text.lines()
        .filter(l -> l.startsWith("grpo_reward_transactions_aborted_total"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  /** Reads grpo.scored until every id is present; returns the decoded groups by id. */
  static Map<String, List<ScoredGroup>> scoredById(Set<String> ids, boolean readCommitted) {
    kafka.readUntil(Topics.SCORED, readCommitted, WAIT, all -> keys(all).containsAll(ids));
    // Every id is there; read the whole topic again for a while, so that a duplicate committed
    // after the first copy would be counted too.
    var records =
        kafka.readUntil(Topics.SCORED, readCommitted, Duration.ofSeconds(3), all -> false);
    return records.stream()
        .filter(r -> ids.contains(r.key()))
        .map(r -> EventJson.fromBytes(r.value(), ScoredGroup.class))
        .collect(Collectors.groupingBy(ScoredGroup::groupId));
  }

  static Set<String> keys(List<ConsumerRecord<String, byte[]>> records) {
    var keys = new HashSet<String>();
    records.forEach(r -> keys.add(r.key()));
    return keys;
  }

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    var h = record.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
