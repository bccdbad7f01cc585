package dev.grpo.contracts;

import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka value serialiser for every contract event, with {@link EventJson#standard()}. Usable by
 * class name ({@code value.serializer=dev.grpo.contracts.JsonEventSerializer}); a null value stays
 * null (a tombstone).
 *
 * @param <T> the event type
 */
public class JsonEventSerializer<T> implements Serializer<T> {
  /** For Kafka and SmallRye, which instantiate serialisers by class name. */
  public JsonEventSerializer() {}

  @Override
  public byte[] serialize(String topic, T data) {
    return data == null ? null : EventJson.toBytes(data);
  }
}
