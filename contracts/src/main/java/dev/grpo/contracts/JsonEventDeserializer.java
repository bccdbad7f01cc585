package dev.grpo.contracts;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Kafka value deserialiser for one contract event type. Kafka and SmallRye instantiate
 * deserialisers by class name with a no-arg constructor, so each event has a concrete subclass
 * (e.g. {@link PromptTaskDeserializer}). Invalid bytes fail with a {@link SerializationException}
 * whose cause is the {@link EventFormatException} naming the field; a null value stays null.
 *
 * @param <T> the event type
 */
public abstract class JsonEventDeserializer<T> implements Deserializer<T> {
  private final Class<T> type;

  /**
   * @param type the event type this deserialiser produces
   */
  protected JsonEventDeserializer(Class<T> type) {
    this.type = type;
  }

  /** The event type this deserialiser produces. */
  public Class<T> eventType() {
    return type;
  }

  @Override
  public T deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    try {
      return EventJson.fromBytes(data, type);
    } catch (EventFormatException e) {
      throw new SerializationException("topic " + topic + ": " + e.getMessage(), e);
    }
  }
}
