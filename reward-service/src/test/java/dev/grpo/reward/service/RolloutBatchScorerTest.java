package dev.grpo.reward.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.contracts.DeadLetter;
import dev.grpo.contracts.DeadLetters;
import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.SourceRecord;
import dev.grpo.contracts.Topics;
import dev.grpo.reward.Fixtures;
import dev.grpo.rewardapi.CheckerRegistry;
import dev.grpo.rewards.GroupScorer;
import dev.grpo.rewards.ScoringLimits;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The outcomes of batch scoring, plainly: no Quarkus, no broker. */
class RolloutBatchScorerTest {
  private final ExecutorService scoring = Executors.newFixedThreadPool(2);
  private final ExecutorService dispatcher = Executors.newFixedThreadPool(2);
  private final GroupScorer groupScorer =
      new GroupScorer(CheckerRegistry.fromServiceLoader(), scoring, ScoringLimits.DEFAULTS);

  @AfterEach
  void stop() {
    scoring.shutdownNow();
    dispatcher.shutdownNow();
  }

  private RolloutBatchScorer scorer(int maxRecordBytes) {
    return new RolloutBatchScorer(groupScorer, dispatcher, maxRecordBytes, new DeadLetters());
  }

  private static SourceRecord record(long offset, String key, byte[] value) {
    return new SourceRecord(
        Topics.ROLLOUTS, 0, offset, key.getBytes(StandardCharsets.UTF_8), value);
  }

  @Test
  void aValidGroupIsScoredUnderItsKey() {
    var group = Fixtures.mathGroup("g-ok");
    var out = scorer(4 << 20).score(List.of(record(0, "g-ok", EventJson.toBytes(group))));
    assertThat(out).singleElement().isInstanceOf(ScoringOutcome.Scored.class);
    assertThat(out.get(0).key()).isEqualTo("g-ok");
  }

  @Test
  void everyFailureIsADeadLetterOfItsStage() {
    var group = EventJson.toBytes(Fixtures.mathGroup("g-big"));
    var out =
        scorer(group.length)
            .score(
                List.of(
                    new SourceRecord(Topics.ROLLOUTS, 0, 1, null, null),
                    record(2, "g-bad", "{not json".getBytes(StandardCharsets.UTF_8)),
                    // Its scored group (the rollout plus scores) is larger than the rollout.
                    record(3, "g-big", group)));
    assertThat(out).allSatisfy(o -> assertThat(o).isInstanceOf(ScoringOutcome.DeadLettered.class));
    var letters = out.stream().map(o -> ((ScoringOutcome.DeadLettered) o).envelope()).toList();
    assertThat(letters)
        .extracting(DeadLetter::stage)
        .containsExactly(
            DeadLetters.REWARD_DECODE, DeadLetters.REWARD_DECODE, DeadLetters.REWARD_PUBLISH);
    assertThat(letters.get(0).reason())
        .isEqualTo("record has no value (tombstone); expected a RolloutGroup");
    assertThat(letters.get(0).key()).isNull();
    assertThat(out.get(0).key()).isNull();
    assertThat(letters.get(1).reason()).contains("malformed JSON").doesNotContain("\n");
    assertThat(letters.get(1).key()).isEqualTo("g-bad");
    assertThat(letters.get(2).reason())
        .contains("over the record limit of " + group.length + " bytes")
        .contains("grpo.reward.max-record-bytes");
    assertThat(letters).extracting(DeadLetter::sourceOffset).containsExactly(1L, 2L, 3L);
  }

  @Test
  void aFiveMegabyteRecordBecomesALetterUnderTheBrokerLimit() {
    byte[] garbage = new byte[5 * 1024 * 1024];
    java.util.Arrays.fill(garbage, (byte) '{');
    var out = scorer(4 << 20).score(List.of(record(7, "g-huge", garbage)));
    var dead = (ScoringOutcome.DeadLettered) out.get(0);
    assertThat(dead.letter().recordBytesUpperBound())
        .isLessThanOrEqualTo(DeadLetters.DEFAULT_MAX_RECORD_BYTES);
    assertThat(dead.json().length).isLessThan(DeadLetters.DEFAULT_MAX_RECORD_BYTES);
    assertThat(dead.envelope().stage()).isEqualTo(DeadLetters.REWARD_DECODE);
    assertThat(dead.envelope().originalPayloadBytes()).isEqualTo((long) garbage.length);
    assertThat(dead.envelope().reason()).contains("payload cut from " + garbage.length);
    assertThat(dead.key()).isEqualTo("g-huge");
  }
}
