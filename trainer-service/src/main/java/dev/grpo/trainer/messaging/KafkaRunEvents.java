package dev.grpo.trainer.messaging;

import dev.grpo.contracts.GroupTracing;
import dev.grpo.contracts.ProducerHeader;
import dev.grpo.trainer.service.RunEvents;
import io.opentelemetry.context.Context;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The runs' events go to the trainer's one idempotent producer, each with the current trace context
 * (a prompt's issue span, see {@code GroupTraces}) and the trainer's instance id as headers.
 */
final class KafkaRunEvents implements RunEvents {
  private final Producer<String, byte[]> producer;
  private final String instanceId;

  KafkaRunEvents(Producer<String, byte[]> producer, String instanceId) {
    this.producer = producer;
    this.instanceId = instanceId;
  }

  @Override
  public Future<?> send(String topic, String key, byte[] value) {
    var headers = GroupTracing.inject(Context.current(), new RecordHeaders());
    ProducerHeader.set(headers, instanceId);
    return producer.send(new ProducerRecord<>(topic, null, key, value, headers));
  }
}
