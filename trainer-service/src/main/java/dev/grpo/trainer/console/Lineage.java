package dev.grpo.trainer.console;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything the console shows of one group: its prompt and completions with rewards and
 * advantages, and where it went (issued, generated, scored, trained or dropped), with the topic,
 * partition and offset of each of its records.
 */
public record Lineage(
    GroupRow group,
    String prompt,
    Issued issued,
    Generated generated,
    Scored scored,
    Outcome outcome,
    List<CompletionView> completions,
    List<DeadLetterView> deadLetters,
    List<RecordView> records) {

  /** Issued by the trainer for a step, under a policy version. */
  public record Issued(int forStep, long policyVersion, Instant at, Integer groupSize) {}

  /** Sampled by a rollout worker; null fields when the rollout record could not be read. */
  public record Generated(String workerId, Long policyVersion, Instant at, Long generationMillis) {}

  /** Scored by the reward service: the checkers (parts) that gave components, and the time. */
  public record Scored(List<String> parts, Long scoringMillis, Instant at, String producer) {}

  /** Trained at a step, dropped with a reason, or still in flight. */
  public record Outcome(String state, Integer trainedStep, String dropReason, Instant decidedAt) {}

  /** One completion of the group. */
  public record CompletionView(
      int index,
      String text,
      String finishReason,
      int tokens,
      Double reward,
      Map<String, Double> parts,
      Map<String, String> reasons,
      boolean skipped,
      Double advantage) {}

  /** A dead letter that names this group. */
  public record DeadLetterView(
      String stage, String reason, String sourceTopic, int sourcePartition, long sourceOffset) {}

  /** One record of the group in the log: where it is and whether it could be read back. */
  public record RecordView(
      String topic, int partition, long offset, Instant timestamp, String status) {}
}
