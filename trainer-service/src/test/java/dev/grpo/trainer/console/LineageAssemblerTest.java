package dev.grpo.trainer.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.contracts.DeadLetter;
import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.ScoredGroup;
import dev.grpo.contracts.Topics;
import dev.grpo.trainer.service.Groups;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LineageAssemblerTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static GroupRow row(String state, Integer trainedStep, String dropReason) {
    return new GroupRow(
        "r-g1", "r", "p-r-g1", 1, 3, 2, state, dropReason, trainedStep, 2L, T0, T0.plusSeconds(9));
  }

  private static RecordRef ref(String topic, long offset) {
    return new RecordRef("r-g1", topic, 0, offset, T0.plusSeconds(offset), null, null);
  }

  @Test
  void aTrainedGroupHasItsCompletionsRewardsAdvantagesAndEveryHop() {
    ScoredGroup scored = Groups.scored("r", "r-g1", 2, 1.0, 0.0, 0.0, 1.0);
    var records =
        List.<ReadBack>of(
            new ReadBack.Found(
                ref(Topics.PROMPTS, 4), EventJson.toBytes(scored.rollout().task()), Map.of()),
            new ReadBack.Found(
                ref(Topics.ROLLOUTS, 5), EventJson.toBytes(scored.rollout()), Map.of()),
            new ReadBack.Found(
                ref(Topics.SCORED, 6),
                EventJson.toBytes(scored),
                Map.of(LineageAssembler.PRODUCER_HEADER, "reward-1")));
    var l = LineageAssembler.assemble(row("TRAINED", 7, null), records, true);

    assertThat(l.prompt()).isEqualTo("rev 1 2=");
    assertThat(l.issued().forStep()).isEqualTo(3);
    assertThat(l.issued().groupSize()).isEqualTo(4);
    assertThat(l.generated().workerId()).isEqualTo("test-worker");
    assertThat(l.generated().policyVersion()).isEqualTo(2);
    assertThat(l.generated().at()).isEqualTo(T0.plusSeconds(5));
    assertThat(l.scored().producer()).isEqualTo("reward-1");
    assertThat(l.outcome().trainedStep()).isEqualTo(7);
    assertThat(l.completions()).hasSize(4);
    assertThat(l.completions().get(0).reward()).isEqualTo(1.0);
    assertThat(l.completions().get(0).finishReason()).isEqualTo("stop");
    assertThat(l.completions().get(0).advantage()).isPositive();
    assertThat(l.completions().get(1).advantage()).isNegative();
    assertThat(l.completions().get(0).advantage() + l.completions().get(1).advantage())
        .isCloseTo(0.0, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(l.records())
        .extracting(
            Lineage.RecordView::topic, Lineage.RecordView::offset, Lineage.RecordView::status)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(Topics.PROMPTS, 4L, "read"),
            org.assertj.core.groups.Tuple.tuple(Topics.ROLLOUTS, 5L, "read"),
            org.assertj.core.groups.Tuple.tuple(Topics.SCORED, 6L, "read"));
  }

  @Test
  void theScoringInstanceComesFromTheIndexWhenTheScoredRecordIsGone() {
    ScoredGroup scored = Groups.scored("r", "r-g1", 2, 1.0, 0.0, 0.0, 1.0);
    var gone =
        new RecordRef("r-g1", Topics.SCORED, 0, 6, T0.plusSeconds(6), null, null, "reward-2");
    var records =
        List.<ReadBack>of(
            new ReadBack.Found(
                ref(Topics.ROLLOUTS, 5), EventJson.toBytes(scored.rollout()), Map.of()),
            new ReadBack.Removed(gone, 100));

    var l = LineageAssembler.assemble(row("TRAINED", 7, null), records, true);

    assertThat(l.scored().producer()).isEqualTo("reward-2");
    assertThat(l.scored().at()).isEqualTo(T0.plusSeconds(6));
    assertThat(l.scored().scoringMillis()).isNull();
  }

  @Test
  void drGrpoAdvantagesAreNotDividedByTheStd() {
    ScoredGroup scored = Groups.scored("r", "r-g1", 2, 1.0, 0.0);
    var records =
        List.<ReadBack>of(
            new ReadBack.Found(ref(Topics.SCORED, 6), EventJson.toBytes(scored), Map.of()));
    var l = LineageAssembler.assemble(row("TRAINED", 7, null), records, false);
    assertThat(l.completions().get(0).advantage()).isEqualTo(0.5);
    // the prompt comes from the task carried in the scored group when the prompt record is absent
    assertThat(l.prompt()).isEqualTo("rev 1 2=");
  }

  @Test
  void aRecordThatRetentionRemovedIsSaidSoAndTheRestStillShows() {
    ScoredGroup scored = Groups.scored("r", "r-g1", 2, 1.0, 0.0);
    var records =
        List.<ReadBack>of(
            new ReadBack.Removed(ref(Topics.PROMPTS, 4), 100),
            new ReadBack.Unreadable(ref(Topics.ROLLOUTS, 5), "timed out"),
            new ReadBack.Found(ref(Topics.SCORED, 6), EventJson.toBytes(scored), Map.of()));
    var l = LineageAssembler.assemble(row("TRAINED", 7, null), records, true);
    assertThat(l.records().get(0).status())
        .isEqualTo("removed by retention (log starts at offset 100)");
    assertThat(l.records().get(1).status()).isEqualTo("unreadable: timed out");
    assertThat(l.completions()).hasSize(2);
    assertThat(l.scored().producer()).isNull();
  }

  @Test
  void aDeadLetteredGroupShowsTheLetterAndItsDrop() {
    var letter =
        new DeadLetter(
            1,
            "reward-service/score",
            "task.rewardSpec.checkers[0].name must be a known checker",
            Topics.ROLLOUTS,
            0,
            5,
            "r-g1",
            new byte[] {1, 2},
            T0);
    var dlqRef =
        new RecordRef("r-g1", Topics.DLQ, 0, 0, T0, "reward-service/score", "task.rewardSpec...");
    var l =
        LineageAssembler.assemble(
            row("DROPPED", null, "dead_letter:reward/score"),
            List.of(
                new ReadBack.Found(dlqRef, EventJson.toBytes(letter), Map.of()),
                new ReadBack.Removed(
                    new RecordRef(
                        "r-g1", Topics.DLQ, 0, 1, T0, "rollout-service/generate", "no-policy"),
                    2)),
            true);
    assertThat(l.outcome().dropReason()).isEqualTo("dead_letter:reward/score");
    assertThat(l.completions()).isEmpty();
    assertThat(l.scored()).isNull();
    assertThat(l.deadLetters())
        .extracting(Lineage.DeadLetterView::stage, Lineage.DeadLetterView::reason)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "reward-service/score", "task.rewardSpec.checkers[0].name must be a known checker"),
            // a removed letter still shows what the index kept of it
            org.assertj.core.groups.Tuple.tuple("rollout-service/generate", "no-policy"));
  }
}
