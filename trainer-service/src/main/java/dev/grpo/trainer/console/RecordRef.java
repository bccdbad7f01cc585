package dev.grpo.trainer.console;

import java.time.Instant;

/**
 * Where one record of a group lies: the database's index entry (topic, partition, offset, append
 * time), for a dead letter its stage and reason from the headers, and the instance that produced it
 * ({@code grpo-producer} header, null if the record has none).
 */
public record RecordRef(
    String groupId,
    String topic,
    int partition,
    long offset,
    Instant timestamp,
    String stage,
    String reason,
    String producer) {

  /** An entry without producer. */
  public RecordRef(
      String groupId,
      String topic,
      int partition,
      long offset,
      Instant timestamp,
      String stage,
      String reason) {
    this(groupId, topic, partition, offset, timestamp, stage, reason, null);
  }
}
