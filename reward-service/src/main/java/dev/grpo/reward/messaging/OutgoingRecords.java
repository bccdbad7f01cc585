package dev.grpo.reward.messaging;

import dev.grpo.contracts.DeadLetter;
import dev.grpo.contracts.Topics;
import dev.grpo.reward.service.ScoringOutcome;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.eclipse.microprofile.reactive.messaging.Message;

/** Builds the Kafka messages for scoring outcomes. */
final class OutgoingRecords {
  private OutgoingRecords() {}

  /** A scored group to {@code grpo.scored}, or a dead letter to {@code grpo.dlq} with headers. */
  static Message<byte[]> toMessage(ScoringOutcome outcome) {
    var metadata = OutgoingKafkaRecordMetadata.<String>builder().withKey(outcome.key());
    if (outcome instanceof ScoringOutcome.DeadLettered dead) {
      DeadLetter letter = dead.letter();
      metadata
          .withTopic(Topics.DLQ)
          .withHeaders(
              List.of(
                  header(DeadLetter.Headers.STAGE, letter.stage()),
                  header(DeadLetter.Headers.REASON, letter.reason()),
                  header(DeadLetter.Headers.SOURCE_TOPIC, letter.sourceTopic()),
                  header(
                      DeadLetter.Headers.SOURCE_PARTITION,
                      Integer.toString(letter.sourcePartition())),
                  header(DeadLetter.Headers.SOURCE_OFFSET, Long.toString(letter.sourceOffset()))));
    } else {
      metadata.withTopic(Topics.SCORED);
    }
    return Message.of(outcome.json()).addMetadata(metadata.build());
  }

  private static RecordHeader header(String name, String value) {
    return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
  }
}
