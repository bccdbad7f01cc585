package dev.grpo.reward.messaging;

import dev.grpo.contracts.GroupTracing;
import dev.grpo.contracts.ProducerHeader;
import dev.grpo.contracts.Topics;
import dev.grpo.reward.service.ScoringOutcome;
import io.opentelemetry.context.Context;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Message;

/** Builds the Kafka messages for scoring outcomes. */
final class OutgoingRecords {
  private OutgoingRecords() {}

  /**
   * A scored group to {@code grpo.scored}, or a dead letter to {@code grpo.dlq} with headers; both
   * carry {@code trace} (the group's scoring span) and this instance as {@code grpo-producer}.
   */
  static Message<byte[]> toMessage(ScoringOutcome outcome, Context trace, String instanceId) {
    var metadata = OutgoingKafkaRecordMetadata.<String>builder().withKey(outcome.key());
    var headers = new RecordHeaders();
    if (outcome instanceof ScoringOutcome.DeadLettered dead) {
      dead.letter().headers().forEach(headers::add);
      metadata.withTopic(Topics.DLQ);
    } else {
      metadata.withTopic(Topics.SCORED);
    }
    GroupTracing.inject(trace, headers);
    ProducerHeader.set(headers, instanceId);
    return Message.of(outcome.json()).addMetadata(metadata.withHeaders(headers).build());
  }
}
