package dev.grpo.reward.messaging;

import dev.grpo.contracts.Topics;
import dev.grpo.reward.service.ScoringOutcome;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import org.eclipse.microprofile.reactive.messaging.Message;

/** Builds the Kafka messages for scoring outcomes. */
final class OutgoingRecords {
  private OutgoingRecords() {}

  /** A scored group to {@code grpo.scored}, or a dead letter to {@code grpo.dlq} with headers. */
  static Message<byte[]> toMessage(ScoringOutcome outcome) {
    var metadata = OutgoingKafkaRecordMetadata.<String>builder().withKey(outcome.key());
    if (outcome instanceof ScoringOutcome.DeadLettered dead) {
      metadata.withTopic(Topics.DLQ).withHeaders(dead.letter().headers());
    } else {
      metadata.withTopic(Topics.SCORED);
    }
    return Message.of(outcome.json()).addMetadata(metadata.build());
  }
}
