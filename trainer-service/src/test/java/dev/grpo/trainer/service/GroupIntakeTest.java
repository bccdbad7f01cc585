package dev.grpo.trainer.service;

import static dev.grpo.trainer.service.Groups.scored;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.trainer.metrics.TrainerMetrics;
import dev.grpo.trainer.pacing.CreditWindow;
import dev.grpo.trainer.pacing.OffsetLedger;
import dev.grpo.trainer.persistence.PromptGroupEntity;
import dev.grpo.trainer.persistence.VersionRecords.GroupLedger;
import dev.grpo.trainer.service.GroupIntake.Outcome;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The decisions on scored groups, with a fake database, a real window, ledger and meters. */
class GroupIntakeTest {
  private static final String RUN = "r";
  private static final int[] PROMPT = {1, 5, 6};

  private final FakeRunRecords store = new FakeRunRecords();
  private final OffsetLedger<Integer> ledger = new OffsetLedger<>();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private CreditWindow window;
  private GroupIntake intake;

  private GroupIntake intake(boolean dynamicSampling, int maxStaleness) {
    window = new CreditWindow(2, maxStaleness);
    var rules = new GroupIntake.Rules(2, maxStaleness, dynamicSampling, 10, 8);
    return new GroupIntake(
        RUN, rules, window, store, ledger, new TrainerMetrics(registry), i -> PROMPT);
  }

  @BeforeEach
  void setUp() {
    intake = intake(true, 1);
  }

  /**
   * Issues {@code id} in the window and the database, and receives its record at {@code offset}.
   */
  private void issued(String id, long offset) {
    window.issue(id);
    store.addIssued(RUN, id, offset);
    ledger.received(0, offset, id);
  }

  private double dropped(String reason) {
    var c = registry.find("grpo.trainer.groups.dropped").tag("reason", reason).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void aGroupWithSignalIsBufferedUntilItsStepAndStaysPending() {
    issued("g0", 0);
    assertThat(intake.offer(scored(RUN, "g0", 0, 1, 0, 0, 1), 0)).isEqualTo(Outcome.BUFFERED);
    assertThat(intake.buffered()).isEqualTo(1);
    assertThat(intake.inFlight()).as("in flight until trained").isEqualTo(1);
    assertThat(ledger.committable()).containsEntry(0, 0L);
    assertThat(store.state("g0")).isEqualTo(PromptGroupEntity.ISSUED);
  }

  @Test
  void theBatchIsTheOldestGroupsAndTrainingFreesTheirCredits() {
    issued("g0", 0);
    issued("g1", 1);
    window.issue("g2");
    store.addIssued(RUN, "g2", 2);
    intake.offer(scored(RUN, "g1", 0, 1, 0), 0);
    assertThat(intake.readyForStep(0)).isFalse();
    intake.offer(scored(RUN, "g0", 0, 1, 0), 0);
    intake.offer(scored(RUN, "g2", 0, 0, 1), 0);
    assertThat(intake.readyForStep(0)).isTrue();
    var batch = intake.nextBatch();
    assertThat(batch)
        .as("the oldest arrivals, in groupId order")
        .extracting(p -> p.group().groupId())
        .containsExactly("g0", "g1");
    assertThat(batch.get(0).training().promptTokenIds()).isEqualTo(PROMPT);
    assertThat(intake.buffered()).as("buffered until trained").isEqualTo(3);
    intake.trained(batch);
    assertThat(intake.buffered()).isEqualTo(1);
    assertThat(window.credits()).isEqualTo(window.capacity() - 1);
    assertThat(window.trainedCount()).isEqualTo(2);
  }

  @Test
  void groupIdOrderIsPromptIndexOrder() {
    var ids = new java.util.ArrayList<>(List.of("r-g10", "r-g9", "r-g100", "r-g0"));
    ids.sort(GroupIntake.GROUP_ID_ORDER);
    assertThat(ids).containsExactly("r-g0", "r-g9", "r-g10", "r-g100");
  }

  @Test
  void aStaleGroupIsDroppedOnArrivalAndItsRecordIsSafe() {
    issued("g0", 0);
    assertThat(intake.offer(scored(RUN, "g0", 0, 1, 0), 2)).isEqualTo(Outcome.DROPPED);
    assertThat(store.groups.get("g0").dropReason).isEqualTo(DropReason.STALE);
    assertThat(store.groups.get("g0").rolloutVersion).isEqualTo(0L);
    assertThat(window.isInFlight("g0")).isFalse();
    assertThat(ledger.committable()).containsEntry(0, 1L);
    assertThat(dropped(DropReason.STALE)).isEqualTo(1);
  }

  @Test
  void aGroupOneVersionBehindIsNotStaleWithMaxStalenessOne() {
    issued("g0", 0);
    assertThat(intake.offer(scored(RUN, "g0", 0, 1, 0), 1)).isEqualTo(Outcome.BUFFERED);
  }

  @Test
  void aBufferedGroupThatWentStaleLeavesBeforeTheBatchForms() {
    issued("g0", 0);
    issued("g1", 1);
    intake.offer(scored(RUN, "g0", 0, 1, 0), 0);
    intake.offer(scored(RUN, "g1", 1, 1, 0), 1);
    assertThat(intake.readyForStep(2)).as("g0 is two versions behind").isFalse();
    assertThat(store.groups.get("g0").dropReason).isEqualTo(DropReason.STALE);
    assertThat(intake.buffered()).isEqualTo(1);
  }

  @Test
  void withSynchronousOnPolicyTrainingAnyOlderGroupIsStale() {
    intake = intake(true, 0);
    issued("g0", 0);
    assertThat(intake.offer(scored(RUN, "g0", 0, 1, 0), 1)).isEqualTo(Outcome.DROPPED);
  }

  @Test
  void fewerThanTwoScoredCompletionsIsDropped() {
    issued("g0", 0);
    var g =
        scored(
            RUN,
            "g0",
            0,
            new double[] {1, 0, 0},
            new int[][] {{3}, {3}, {3}},
            new boolean[] {false, true, true});
    assertThat(intake.offer(g, 0)).isEqualTo(Outcome.DROPPED);
    assertThat(store.groups.get("g0").dropReason).isEqualTo(DropReason.TOO_FEW_SCORED);
  }

  @Test
  void skippedCompletionsAreLeftOutOfTheTrainingGroup() {
    issued("g0", 0);
    var g =
        scored(
            RUN,
            "g0",
            0,
            new double[] {1, 0, 0.5},
            new int[][] {{3}, {4}, {5}},
            new boolean[] {false, true, false});
    intake.offer(g, 0);
    issued("g1", 1);
    intake.offer(scored(RUN, "g1", 0, 1, 0), 0);
    var training = intake.nextBatch().get(0).training();
    assertThat(training.completions()).extracting(s -> s.reward()).containsExactly(1.0, 0.5);
  }

  @Test
  void equalRewardsAreDroppedOnlyWithDynamicSampling() {
    issued("g0", 0);
    assertThat(intake.offer(scored(RUN, "g0", 0, 1, 1, 1), 0)).isEqualTo(Outcome.DROPPED);
    assertThat(store.groups.get("g0").dropReason).isEqualTo(DropReason.ZERO_STD);

    intake = intake(false, 1);
    issued("g1", 1);
    assertThat(intake.offer(scored(RUN, "g1", 0, 1, 1, 1), 0)).isEqualTo(Outcome.BUFFERED);
  }

  @Test
  void aTokenOutsideTheVocabularyIsUnusableDroppedAndDeadLettered() {
    issued("g0", 0);
    var g =
        scored(
            RUN,
            "g0",
            0,
            new double[] {1, 0},
            new int[][] {{3}, {10}},
            new boolean[] {false, false});
    assertThatThrownBy(() -> intake.offer(g, 0))
        .isInstanceOf(UnusableGroupException.class)
        .hasMessage("completion 1 has token id 10 outside the policy vocabulary [0, 10)");
    assertThat(store.groups.get("g0").dropReason).isEqualTo(DropReason.UNUSABLE);
    assertThat(window.isInFlight("g0")).isFalse();
    assertThat(ledger.committable()).containsEntry(0, 1L);
  }

  @Test
  void aCompletionLongerThanTheContextIsUnusable() {
    issued("g0", 0);
    var g =
        scored(
            RUN,
            "g0",
            0,
            new double[] {1, 0},
            new int[][] {{3}, {3, 3, 3, 3, 3, 3}},
            new boolean[] {false, false});
    assertThatThrownBy(() -> intake.offer(g, 0))
        .hasMessage(
            "prompt (3 tokens) + completion 1 (6 tokens) exceeds max_position_embeddings 8");
  }

  @Test
  void aGroupTheRunNeverIssuedIsDeadLetteredAndNotSafe() {
    ledger.received(0, 0, "ghost");
    assertThatThrownBy(() -> intake.offer(scored(RUN, "ghost", 0, 1, 0), 0))
        .isInstanceOf(UnusableGroupException.class)
        .hasMessage("group ghost was not issued by run r");
    assertThat(ledger.committable()).as("known limit, see issue 11").containsEntry(0, 0L);
  }

  @Test
  void aRedeliveredGroupIsSkippedAndACopyOfADroppedOneIsSafe() {
    issued("g0", 0);
    intake.offer(scored(RUN, "g0", 0, 1, 0), 0);
    ledger.received(0, 1, "g0");
    assertThat(intake.offer(scored(RUN, "g0", 0, 0, 1), 0))
        .as("a second copy of a buffered group")
        .isEqualTo(Outcome.SKIPPED);
    assertThat(intake.buffered()).isEqualTo(1);

    issued("g1", 2);
    assertThat(intake.offer(scored(RUN, "g1", 0, 1, 1), 0)).isEqualTo(Outcome.DROPPED);
    ledger.received(0, 3, "g1");
    assertThat(intake.offer(scored(RUN, "g1", 0, 1, 0), 0))
        .as("a copy of a dropped group")
        .isEqualTo(Outcome.SKIPPED);
    assertThat(ledger.pendingCount())
        .as("g1's records are safe (the drop is durable); g0's two wait for its step")
        .isEqualTo(2);
  }

  /**
   * TRAINED is in the database from the step on, the checkpoint that makes it durable may come
   * steps later: a copy arriving in between must not make the original's record committable, or a
   * crash before the checkpoint loses the group (the rollback makes it ISSUED again, and no record
   * is left to bring it back).
   */
  @Test
  void aCopyOfAGroupTrainedButNotYetCheckpointedWaitsForTheCheckpoint() {
    issued("g0", 0);
    issued("g1", 1);
    intake.offer(scored(RUN, "g0", 0, 1, 0), 0);
    intake.offer(scored(RUN, "g1", 0, 1, 0), 0);
    var batch = intake.nextBatch();
    batch.forEach(p -> store.groups.get(p.group().groupId()).state = PromptGroupEntity.TRAINED);
    intake.trained(batch);
    ledger.received(0, 2, "g0");
    assertThat(intake.offer(scored(RUN, "g0", 0, 1, 0), 0))
        .as("a copy of a trained group")
        .isEqualTo(Outcome.SKIPPED);
    assertThat(ledger.committable())
        .as("nothing passes the trained groups before their checkpoint")
        .containsEntry(0, 0L);
    assertThat(ledger.pendingCount()).isEqualTo(3);

    // The checkpoint is saved: RunCheckpointer marks its groups safe, copies included.
    batch.forEach(p -> ledger.safe(p.group().groupId()));
    assertThat(ledger.committable()).containsEntry(0, 3L);
  }

  @Test
  void aDeadLetteredGroupInFlightIsDroppedOnceAndItsCreditReturns() {
    issued("g0", 0);
    int credits = window.credits();
    assertThat(intake.dropDeadLettered("g0", "dead_letter:rollout/generate")).isTrue();
    assertThat(window.credits()).isEqualTo(credits + 1);
    assertThat(store.groups.get("g0").dropReason).isEqualTo("dead_letter:rollout/generate");
    assertThat(store.groups.get("g0").rolloutVersion).isNull();
    assertThat(dropped("dead_letter:rollout/generate")).isEqualTo(1);
    assertThat(intake.dropDeadLettered("g0", "dead_letter:rollout/generate")).isFalse();
    assertThat(dropped("dead_letter:rollout/generate")).isEqualTo(1);
  }

  @Test
  void aDeadLetterForABufferedOrForeignGroupChangesNothing() {
    issued("g0", 0);
    intake.offer(scored(RUN, "g0", 0, 1, 0), 0);
    assertThat(intake.dropDeadLettered("g0", "dead_letter:reward/score")).isFalse();
    assertThat(intake.dropDeadLettered("other", "dead_letter:reward/score")).isFalse();
    assertThat(store.state("g0")).isEqualTo(PromptGroupEntity.ISSUED);
    assertThat(store.calls).noneMatch(c -> c.startsWith("drop"));
  }

  @Test
  void restoreRebuildsTheWindowAndMakesDecidedGroupsSafe() {
    var g1 = store.addIssued(RUN, "g1", 1);
    ledger.received(0, 0, "g0");
    intake.restore(new GroupLedger(List.of(g1), List.of("g0")));
    assertThat(window.isInFlight("g1")).isTrue();
    assertThat(window.issuedCount()).isEqualTo(2);
    assertThatThrownBy(() -> window.issue("g0")).hasMessageContaining("already issued");
    assertThat(ledger.pendingCount()).isZero();
  }
}
