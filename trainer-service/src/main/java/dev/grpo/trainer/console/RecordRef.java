package dev.grpo.trainer.console;

import java.time.Instant;

/**
 * Where one record of a group lies: the database's index entry (topic, partition, offset, append
 * time), and for a dead letter its stage and reason from the headers.
 */
public record RecordRef(
    String groupId,
    String topic,
    int partition,
    long offset,
    Instant timestamp,
    String stage,
    String reason) {}
