package dev.grpo.trainer.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.trainer.run.RunStatus;
import org.junit.jupiter.api.Test;

class DropReasonTest {

  @Test
  void aDeadLetteredGroupNamesTheStageWithoutTheServiceSuffix() {
    assertThat(DropReason.deadLetter("rollout-service/generate"))
        .isEqualTo("dead_letter:rollout/generate");
    assertThat(DropReason.deadLetter(" reward-service/score "))
        .isEqualTo("dead_letter:reward/score");
    assertThat(DropReason.deadLetter("reward-service")).isEqualTo("dead_letter:reward");
    assertThat(DropReason.deadLetter("custom/judge")).isEqualTo("dead_letter:custom/judge");
    assertThat(DropReason.deadLetter("my-service-name/step"))
        .as("only the first segment's suffix")
        .isEqualTo("dead_letter:my-service-name/step");
  }

  @Test
  void theKnownReasonsAreTheFixedOnesEveryDroppingStageAndEveryRunEnd() {
    assertThat(DropReason.known())
        .contains(
            DropReason.STALE,
            DropReason.ZERO_STD,
            DropReason.TOO_FEW_SCORED,
            DropReason.UNUSABLE,
            "dead_letter:rollout/generate",
            "dead_letter:reward/decode",
            "dead_letter:reward/join",
            "run_stopped",
            "run_completed",
            "run_failed")
        .doesNotContain("dead_letter:reward/part")
        .doesNotHaveDuplicates()
        .allSatisfy(r -> assertThat(r.length()).isLessThanOrEqualTo(DropReason.MAX_LENGTH));
  }

  @Test
  void aLongStageIsCutToTheColumnWidth() {
    String r = DropReason.deadLetter("a-very-long-stage-name-service/with-a-long-step");
    assertThat(r).hasSize(DropReason.MAX_LENGTH).startsWith("dead_letter:a-very-long-stage");
  }

  @Test
  void anEndedRunNamesItsStatus() {
    assertThat(DropReason.runEnded(RunStatus.COMPLETED)).isEqualTo("run_completed");
    assertThat(DropReason.runEnded(RunStatus.STOPPED)).isEqualTo("run_stopped");
    assertThat(DropReason.runEnded(RunStatus.FAILED)).isEqualTo("run_failed");
  }
}
