package dev.grpo.reward.join;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.grpo.contracts.CheckerSpec;
import dev.grpo.contracts.CompletionScore;
import dev.grpo.contracts.Contracts;
import dev.grpo.contracts.DeadLetter;
import dev.grpo.contracts.DeadLetters;
import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.ExternalPart;
import dev.grpo.contracts.ExternalPart.OnTimeout;
import dev.grpo.contracts.RewardPart;
import dev.grpo.contracts.RewardSpec;
import dev.grpo.contracts.RolloutGroup;
import dev.grpo.contracts.ScoredGroup;
import dev.grpo.contracts.Topics;
import dev.grpo.reward.Fixtures;
import dev.grpo.reward.http.HttpScorerClient;
import dev.grpo.rewardapi.CheckerRegistry;
import dev.grpo.rewardapi.RewardSpecValidator;
import dev.grpo.rewards.BuiltinCheckers;
import dev.grpo.rewards.GroupScorer;
import dev.grpo.rewards.PartJoin.PartScores;
import dev.grpo.rewards.ScoringLimits;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The join's decisions, driven record by record with Kafka Streams' test driver and a wall clock
 * the test moves (the exactly-once path on a real broker is {@code PartJoinKafkaTest}).
 */
class PartJoinProcessorTest {
  private static final long WAIT = 5_000;
  private static final long PART_TIMEOUT = 1_000;

  private final ExecutorService pool = Executors.newFixedThreadPool(2);
  private final CheckerRegistry registry = CheckerRegistry.of(new BuiltinCheckers().checkers());
  private final GroupScorer scorer = new GroupScorer(registry, pool, ScoringLimits.DEFAULTS);
  private final AtomicInteger late = new AtomicInteger();
  private final List<String> httpCalls = new ArrayList<>();
  private HttpScorerClient.Result httpAnswer;

  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> rollouts;
  private TestInputTopic<byte[], byte[]> parts;
  private TestOutputTopic<byte[], byte[]> scored;
  private TestOutputTopic<byte[], byte[]> partsOut;
  private TestOutputTopic<byte[], byte[]> dlq;

  @BeforeEach
  void start() {
    var validator = new RewardSpecValidator(registry);
    JoinScoring scoring =
        new JoinScoring() {
          @Override
          public void validate(RolloutGroup group) {
            validator.validate(group.task().rewardSpec());
          }

          @Override
          public List<CompletionScore> builtIns(RolloutGroup g) {
            var texts =
                g.completions().stream()
                    .map(c -> new GroupScorer.CompletionText(c.text(), c.length()))
                    .toList();
            return scorer.score(
                g.task().prompt(), texts, g.task().rewardSpec(), g.task().verification());
          }

          @Override
          public HttpScorerClient.Result http(RolloutGroup group, CheckerSpec part) {
            httpCalls.add(group.groupId() + "/" + part.name());
            return httpAnswer;
          }
        };
    JoinEvents events =
        new JoinEvents() {
          @Override
          public void scored(ScoredGroup group) {}

          @Override
          public void deadLettered(String stage, String reason) {}

          @Override
          public void latePart() {
            late.incrementAndGet();
          }

          @Override
          public void partTimedOut(String checker) {}
        };
    var topology =
        PartJoinTopology.build(
            scoring, events, new DeadLetters(), new PartJoinProcessor.Settings(WAIT, 50, 4 << 20));
    var props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "join-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    driver = new TopologyTestDriver(topology, props, Instant.parse("2026-01-01T00:00:00Z"));
    var ser = new ByteArraySerializer();
    var de = new ByteArrayDeserializer();
    rollouts = driver.createInputTopic(Topics.ROLLOUTS, ser, ser);
    parts = driver.createInputTopic(Topics.REWARD_PARTS, ser, ser);
    scored = driver.createOutputTopic(Topics.SCORED, de, de);
    partsOut = driver.createOutputTopic(Topics.REWARD_PARTS, de, de);
    dlq = driver.createOutputTopic(Topics.DLQ, de, de);
  }

  @AfterEach
  void stop() {
    driver.close();
    pool.shutdownNow();
  }

  private static RewardSpec spec(OnTimeout onTimeout) {
    return new RewardSpec(
        List.of(
            new CheckerSpec("math_equiv", 1.0, null),
            new CheckerSpec("judge", 0.5, null, ExternalPart.topic(PART_TIMEOUT, onTimeout))));
  }

  private static RolloutGroup group(String id, RewardSpec spec) {
    return Fixtures.group(id, spec, "4", List.of("\\boxed{4}", "\\boxed{5}"));
  }

  private void sendRollout(RolloutGroup g) {
    rollouts.pipeInput(key(g.groupId()), EventJson.toBytes(g));
  }

  private void sendPart(String groupId, String checker, List<Double> scores) {
    parts.pipeInput(
        key(groupId),
        EventJson.toBytes(
            new RewardPart(Contracts.SCHEMA_VERSION, "run-test", groupId, checker, scores, null)));
  }

  private static byte[] key(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private List<ScoredGroup> scoredGroups() {
    return scored.readValuesToList().stream()
        .map(v -> EventJson.fromBytes(v, ScoredGroup.class))
        .toList();
  }

  private List<DeadLetter> letters() {
    return dlq.readValuesToList().stream()
        .map(v -> EventJson.fromBytes(v, DeadLetter.class))
        .toList();
  }

  private void advance(long millis) {
    driver.advanceWallClockTime(Duration.ofMillis(millis));
  }

  @Test
  void aPartAfterItsGroupIsJoinedWeighted() {
    sendRollout(group("g1", spec(OnTimeout.ZERO)));
    assertThat(scored.isEmpty()).isTrue();
    sendPart("g1", "judge", List.of(0.5, 1.0));
    var out = scoredGroups();
    assertThat(out).hasSize(1);
    var first = out.get(0).scores().get(0);
    assertThat(first.components()).containsEntry("math_equiv", 1.0).containsEntry("judge", 0.5);
    assertThat(first.total()).isCloseTo(1.0 + 0.25, within(1e-12));
    assertThat(out.get(0).scores().get(1).total()).isCloseTo(0.5, within(1e-12));
    assertThat(letters()).isEmpty();
  }

  @Test
  void aPartBeforeItsGroupWaitsForIt() {
    sendPart("g2", "judge", List.of(1.0, 1.0));
    advance(500);
    assertThat(scored.isEmpty()).isTrue();
    sendRollout(group("g2", spec(OnTimeout.ZERO)));
    assertThat(scoredGroups())
        .singleElement()
        .satisfies(g -> assertThat(g.groupId()).isEqualTo("g2"));
    assertThat(letters()).isEmpty();
  }

  @Test
  void aDuplicatePartIsIgnoredAndALatePartIsCountedAndDeadLettered() {
    var spec =
        new RewardSpec(
            List.of(
                new CheckerSpec("math_equiv", 1.0, null),
                new CheckerSpec("judge", 0.5, null, ExternalPart.topic(PART_TIMEOUT, null)),
                new CheckerSpec("style", 0.5, null, ExternalPart.topic(PART_TIMEOUT, null))));
    sendRollout(group("g3", spec));
    sendPart("g3", "judge", List.of(1.0, 1.0));
    sendPart("g3", "judge", List.of(0.0, 0.0));
    assertThat(scored.isEmpty()).isTrue();
    sendPart("g3", "style", List.of(1.0, 0.0));
    var out = scoredGroups();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).scores().get(0).components()).containsEntry("judge", 1.0);
    assertThat(letters()).isEmpty();

    sendPart("g3", "style", List.of(1.0, 0.0));
    assertThat(late).hasValue(1);
    assertThat(letters())
        .singleElement()
        .satisfies(
            l -> {
              assertThat(l.stage()).isEqualTo(DeadLetters.REWARD_PART);
              assertThat(l.reason()).startsWith("late part 'style' for group 'g3'");
            });
    assertThat(scored.isEmpty()).isTrue();
  }

  @Test
  void anEmittedGroupIsForgottenAfterTheWaitSoALaterPartIsUnknownNotLate() {
    sendRollout(group("g12", spec(OnTimeout.ZERO)));
    sendPart("g12", "judge", List.of(1.0, 1.0));
    assertThat(scoredGroups()).hasSize(1);
    advance(WAIT + 100);
    sendPart("g12", "judge", List.of(1.0, 1.0));
    assertThat(late).hasValue(0);
    advance(WAIT + 100);
    assertThat(letters())
        .singleElement()
        .satisfies(l -> assertThat(l.reason()).startsWith("unknown groupId 'g12'"));
  }

  @Test
  void aPartThatDoesNotFitIsDeadLetteredAndTheGroupTimesOutToZero() {
    sendRollout(group("g4", spec(OnTimeout.ZERO)));
    sendPart("g4", "judge", List.of(1.0));
    sendPart("g4", "nobody", List.of(1.0, 1.0));
    var reasons = letters().stream().map(DeadLetter::reason).toList();
    assertThat(reasons)
        .containsExactly(
            "part 'judge' of group 'g4': scores must hold one score per completion (2), was 1",
            "checker 'nobody' is not a topic part of group 'g4' (its spec's topic parts: [judge])");
    advance(PART_TIMEOUT - 100);
    assertThat(scored.isEmpty()).isTrue();
    advance(200);
    var out = scoredGroups();
    assertThat(out).hasSize(1);
    var first = out.get(0).scores().get(0);
    assertThat(first.components()).containsEntry("judge", 0.0);
    assertThat(first.reasons().get("judge"))
        .isEqualTo("timeout: no part 'judge' within 1000 ms (onTimeout zero)");
    assertThat(first.total()).isEqualTo(1.0);
  }

  @Test
  void onTimeoutDropDeadLettersTheGroupWithItsRollout() {
    var g = group("g5", spec(OnTimeout.DROP));
    sendRollout(g);
    advance(PART_TIMEOUT + 100);
    assertThat(scored.isEmpty()).isTrue();
    var records = dlq.readRecordsToList();
    assertThat(records).hasSize(1);
    assertThat(new String(records.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("g5");
    var letter = EventJson.fromBytes(records.get(0).value(), DeadLetter.class);
    assertThat(letter.stage()).isEqualTo(DeadLetters.REWARD_JOIN);
    assertThat(letter.reason())
        .isEqualTo("part 'judge' did not arrive within 1000 ms (onTimeout drop)");
    assertThat(letter.sourceTopic()).isEqualTo(Topics.ROLLOUTS);
    assertThat(EventJson.fromBytes(letter.payload(), RolloutGroup.class)).isEqualTo(g);
  }

  @Test
  void aPartOfAnUnknownGroupIsDeadLetteredAfterTheNamedWait() {
    sendPart("ghost", "judge", List.of(1.0, 1.0));
    advance(WAIT - 100);
    assertThat(dlq.isEmpty()).isTrue();
    advance(200);
    assertThat(letters())
        .singleElement()
        .satisfies(
            l ->
                assertThat(l.reason())
                    .isEqualTo(
                        "unknown groupId 'ghost': no rollout group naming external parts arrived"
                            + " within 5000 ms (grpo.reward.join.unknown-group-wait-millis)"));
  }

  @Test
  void anUndecodablePartIsDeadLetteredNamingTheField() {
    parts.pipeInput(key("g6"), "{\"schemaVersion\":1}".getBytes(StandardCharsets.UTF_8));
    assertThat(letters())
        .singleElement()
        .satisfies(
            l -> {
              assertThat(l.stage()).isEqualTo(DeadLetters.REWARD_PART);
              assertThat(l.reason())
                  .contains("Invalid RewardPart")
                  .contains("missing required field");
            });
  }

  @Test
  void builtInOnlyGroupsAreLeftToTheDirectPath() {
    sendRollout(Fixtures.mathGroup("g7"));
    rollouts.pipeInput(key("g8"), "not json".getBytes(StandardCharsets.UTF_8));
    advance(WAIT * 2);
    assertThat(scored.isEmpty()).isTrue();
    assertThat(dlq.isEmpty()).isTrue();
  }

  @Test
  void anHttpPartIsCalledOncePublishedAsAPartAndJoined() {
    httpAnswer = new HttpScorerClient.Result.Scored(new PartScores(List.of(0.2, 0.4), List.of()));
    var spec =
        new RewardSpec(
            List.of(
                new CheckerSpec("math_equiv", 1.0, null),
                new CheckerSpec(
                    "rm", 1.0, null, ExternalPart.http("http://rm:1/x", null, 1000, null))));
    sendRollout(group("g9", spec));
    assertThat(httpCalls).containsExactly("g9/rm");
    var out = scoredGroups();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).scores().get(0).components()).containsEntry("rm", 0.2);
    var published = EventJson.fromBytes(partsOut.readValue(), RewardPart.class);
    assertThat(published.checker()).isEqualTo("rm");
    assertThat(published.scores()).containsExactly(0.2, 0.4);
    // Reading our own part back is neither a duplicate nor late.
    parts.pipeInput(key("g9"), EventJson.toBytes(published));
    assertThat(late).hasValue(0);
    assertThat(dlq.isEmpty()).isTrue();
  }

  @Test
  void aFailedHttpPartFollowsOnTimeout() {
    httpAnswer = new HttpScorerClient.Result.Failed("HTTP 500 after 3 attempts");
    var zero =
        new RewardSpec(
            List.of(
                new CheckerSpec("math_equiv", 1.0, null),
                new CheckerSpec(
                    "rm",
                    1.0,
                    null,
                    ExternalPart.http("http://rm:1/x", null, 1000, OnTimeout.ZERO))));
    sendRollout(group("g10", zero));
    assertThat(scoredGroups().get(0).scores().get(0).reasons().get("rm"))
        .isEqualTo("http part 'rm': HTTP 500 after 3 attempts");
    var drop =
        new RewardSpec(
            List.of(
                new CheckerSpec("math_equiv", 1.0, null),
                new CheckerSpec(
                    "rm",
                    1.0,
                    null,
                    ExternalPart.http("http://rm:1/x", null, 1000, OnTimeout.DROP))));
    sendRollout(group("g11", drop));
    assertThat(scored.isEmpty()).isTrue();
    assertThat(letters())
        .singleElement()
        .satisfies(
            l -> {
              assertThat(l.stage()).isEqualTo(DeadLetters.REWARD_JOIN);
              assertThat(l.reason())
                  .isEqualTo("http part 'rm': HTTP 500 after 3 attempts (onTimeout drop)");
            });
  }
}
