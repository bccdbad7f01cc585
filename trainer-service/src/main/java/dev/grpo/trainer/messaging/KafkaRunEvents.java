package dev.grpo.trainer.messaging;

import dev.grpo.contracts.GroupTracing;
import dev.grpo.contracts.ProducerHeader;
import dev.grpo.trainer.service.RunEvents;
import io.opentelemetry.context.Context;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The runs' events go to the trainer's one idempotent producer, each with the current trace context
 * (a prompt's issue span, see {@code GroupTraces}) and the trainer's instance id as headers; what
 * is already published is read back with a short-lived log reader ({@link PublishedKeys}).
 */
final class KafkaRunEvents implements RunEvents {
  /** How long reading back may take before the resume sends every unmarked task again instead. */
  static final Duration READ_BACK_TIMEOUT = Duration.ofSeconds(30);

  private final Producer<String, byte[]> producer;
  private final String instanceId;
  private final Supplier<Consumer<String, byte[]>> readers;

  KafkaRunEvents(
      Producer<String, byte[]> producer,
      String instanceId,
      Supplier<Consumer<String, byte[]>> readers) {
    this.producer = producer;
    this.instanceId = instanceId;
    this.readers = readers;
  }

  @Override
  public Set<String> published(String topic, Collection<String> keys, Instant since) {
    try (Consumer<String, byte[]> reader = readers.get()) {
      return PublishedKeys.find(reader, topic, keys, since, READ_BACK_TIMEOUT);
    }
  }

  @Override
  public Future<?> send(String topic, String key, byte[] value) {
    var headers = GroupTracing.inject(Context.current(), new RecordHeaders());
    ProducerHeader.set(headers, instanceId);
    return producer.send(new ProducerRecord<>(topic, null, key, value, headers));
  }
}
