package dev.grpo.trainer.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.contracts.PolicyRef;
import dev.grpo.contracts.PromptTask;
import dev.grpo.contracts.Topics;
import dev.grpo.trainer.metrics.TrainerMetrics;
import dev.grpo.trainer.pacing.CreditWindow;
import dev.grpo.trainer.run.RunResources;
import dev.grpo.trainer.run.RunSpec;
import dev.grpo.trainer.run.TestRuns;
import dev.grpo.trainer.tasks.PromptDataset;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issuing around the credit window, with a fake database and broker. */
class PromptIssuerTest {
  private static final String RUN = "run1";
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  private static final PolicyRef V0 = new PolicyRef(0, "file:///ck/v000000", null);

  private final FakeRunRecords store = new FakeRunRecords();
  private final RecordedEvents events = new RecordedEvents(store.calls);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  // 2 groups per step, maxStaleness 1: 4 credits; 3 steps need 6 groups.
  private final RunSpec spec = TestRuns.spec(TestRuns.tiny(3, 1));
  private final PromptDataset dataset = RunResources.dataset(spec, TestRuns.GENERATORS);
  private final CreditWindow window = new CreditWindow(2, 1);
  private final PromptIssuer issuer =
      new PromptIssuer(
          RUN,
          spec,
          dataset,
          window,
          store,
          events,
          new TrainerMetrics(registry),
          Clock.fixed(NOW, ZoneOffset.UTC),
          GroupTraces.NONE,
          FaultInjector.NONE);

  private List<PromptTask> tasks() {
    return events.on(Topics.PROMPTS).stream().map(s -> s.as(PromptTask.class)).toList();
  }

  @Test
  void issuesWhatTheWindowAllowsRecordedBeforeSentAndMarkedSentAfterTheAcks() {
    assertThat(issuer.issue(0, 0, V0)).isEqualTo(4);
    assertThat(store.calls)
        .containsExactly(
            "issue 4",
            "send grpo.prompts",
            "send grpo.prompts",
            "send grpo.prompts",
            "send grpo.prompts",
            "markSent 4");
    assertThat(store.runs.get(RUN).nextPromptIndex).isEqualTo(4);
    assertThat(issuer.nextPromptIndex()).isEqualTo(4);
    assertThat(store.groups.values()).allMatch(g -> g.sent);
    assertThat(window.credits()).isZero();
    assertThat(registry.find("grpo.trainer.prompts.issued").counter().count()).isEqualTo(4);
    assertThat(issuer.issue(0, 0, V0)).as("no credit left").isZero();
  }

  @Test
  void eachTaskIsTheIndexedPromptWithItsOwnSeedAndTheLatestPolicy() {
    issuer.issue(0, 0, V0);
    var tasks = tasks();
    assertThat(tasks)
        .extracting(PromptTask::groupId)
        .containsExactly("run1-g0", "run1-g1", "run1-g2", "run1-g3");
    assertThat(events.on(Topics.PROMPTS))
        .extracting(RecordedEvents.Sent::key)
        .containsExactly("run1-g0", "run1-g1", "run1-g2", "run1-g3");
    for (int i = 0; i < 4; i++) {
      PromptTask t = tasks.get(i);
      assertThat(t.prompt()).isEqualTo(dataset.train(i).prompt());
      assertThat(t.promptId()).isEqualTo(dataset.train(i).promptId());
      assertThat(t.verification()).isEqualTo(dataset.train(i).verification());
      assertThat(t.sampling().seed()).isEqualTo(PromptDataset.mix(11 ^ 0x5EEDL, i));
      assertThat(t.sampling().maxNewTokens()).isEqualTo(4);
      assertThat(t.groupSize()).isEqualTo(4);
      assertThat(t.rewardSpec()).isEqualTo(spec.rewardSpec());
      assertThat(t.policy()).isEqualTo(V0);
      assertThat(t.issuedAt()).isEqualTo(NOW);
    }
    // Two groups per step: the first two are for step 1, the next two for step 2.
    assertThat(tasks).extracting(PromptTask::issuedForStep).containsExactly(1L, 1L, 2L, 2L);
    assertThat(store.groups.get("run1-g3").issuedForStep).isEqualTo(2);
  }

  @Test
  void freedCreditsIssueTheNextIndicesAndNoMoreThanTheRemainingStepsNeed() {
    issuer.issue(0, 0, V0);
    window.trained("run1-g0");
    window.trained("run1-g1");
    window.dropped("run1-g2");
    // After step 1, 2 steps remain = 4 groups; one is in flight, so 3 are issued.
    assertThat(issuer.issue(1, 1, V0)).isEqualTo(3);
    assertThat(tasks()).extracting(PromptTask::groupId).endsWith("run1-g4", "run1-g5", "run1-g6");
    // At step 3 of 3 nothing is needed any more.
    window.trained("run1-g3");
    assertThat(issuer.issue(3, 2, V0)).isZero();
  }

  @Test
  void aFailedSendLeavesTheGroupsRecordedButUnsentForTheResume() {
    events.failWith(new IllegalStateException("broker away"));
    assertThatThrownBy(() -> issuer.issue(0, 0, V0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot publish a PromptTask");
    assertThat(store.groups).hasSize(4);
    assertThat(store.groups.values()).noneMatch(g -> g.sent);
    assertThat(store.calls).doesNotContain("markSent 4");
  }

  @Test
  void resendSendsOnlyTheUnsentGroupsUnderTheirIds() {
    store.addIssued(RUN, "run1-g0", 0);
    var unsent = store.addIssued(RUN, "run1-g1", 1);
    unsent.sent = false;
    unsent.issuedForStep = 1;
    var v3 = new PolicyRef(3, "file:///ck/v000003", null);
    assertThat(issuer.resend(List.copyOf(store.groups.values()), v3)).isEqualTo(1);
    assertThat(tasks())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.groupId()).isEqualTo("run1-g1");
              assertThat(t.prompt()).isEqualTo(dataset.train(1).prompt());
              assertThat(t.sampling().seed()).isEqualTo(PromptDataset.mix(11 ^ 0x5EEDL, 1));
              assertThat(t.policy()).isEqualTo(v3);
            });
    assertThat(unsent.sent).isTrue();
    assertThat(issuer.resend(List.of(), v3)).isZero();
  }

  @Test
  void resendSkipsTheTasksTheLogAlreadyHoldsAndMarksThemSent() {
    // Killed after the broker acknowledged g1 but before the database marked it sent.
    var acknowledged = store.addIssued(RUN, "run1-g1", 1);
    acknowledged.sent = false;
    events.send(Topics.PROMPTS, "run1-g1", new byte[0]);
    var unsent = store.addIssued(RUN, "run1-g2", 2);
    unsent.sent = false;

    assertThat(issuer.resend(List.copyOf(store.groups.values()), V0)).isEqualTo(1);

    assertThat(events.on(Topics.PROMPTS).stream().map(RecordedEvents.Sent::key))
        .containsExactly("run1-g1", "run1-g2");
    assertThat(acknowledged.sent).isTrue();
    assertThat(unsent.sent).isTrue();
  }

  @Test
  void whenTheLogCannotBeReadBackEveryUnmarkedTaskIsSentAgain() {
    var acknowledged = store.addIssued(RUN, "run1-g1", 1);
    acknowledged.sent = false;
    events.send(Topics.PROMPTS, "run1-g1", new byte[0]);
    events.failReadBackWith(new IllegalStateException("broker away"));

    assertThat(issuer.resend(List.copyOf(store.groups.values()), V0)).isEqualTo(1);

    assertThat(events.on(Topics.PROMPTS).stream().map(RecordedEvents.Sent::key))
        .containsExactly("run1-g1", "run1-g1");
    assertThat(acknowledged.sent).isTrue();
  }

  @Test
  void aRestoredIssuerContinuesAtTheStoredIndex() {
    issuer.restore(40);
    issuer.issue(0, 0, V0);
    assertThat(tasks()).extracting(PromptTask::groupId).first().isEqualTo("run1-g40");
    assertThat(store.runs.get(RUN).nextPromptIndex).isEqualTo(44);
  }
}
