package dev.grpo.trainer.messaging;

import dev.grpo.trainer.service.RunEvents;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** The runs' events go to the trainer's one idempotent producer. */
final class KafkaRunEvents implements RunEvents {
  private final Producer<String, byte[]> producer;

  KafkaRunEvents(Producer<String, byte[]> producer) {
    this.producer = producer;
  }

  @Override
  public Future<?> send(String topic, String key, byte[] value) {
    return producer.send(new ProducerRecord<>(topic, key, value));
  }
}
