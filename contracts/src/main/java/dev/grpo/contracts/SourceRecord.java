package dev.grpo.contracts;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One consumed Kafka record as raw bytes, with where it came from: what a stage keeps of a record
 * to commit its offset later or to dead-letter it ({@link DeadLetters#letter}). Keys are kept as
 * bytes, the form every consumer can give back; {@link #keyText()} is the contract's view of them
 * (keys are UTF-8 strings, see {@code docs/contracts.md}).
 *
 * @param topic source topic
 * @param partition source partition, {@code >= 0}
 * @param offset source offset, {@code >= 0}
 * @param key the record key as bytes, or null for a record without key
 * @param value the record value as bytes, or null (a tombstone)
 */
public record SourceRecord(String topic, int partition, long offset, byte[] key, byte[] value) {

  /** Requires a topic and non-negative coordinates. */
  public SourceRecord {
    Require.nonBlank("topic", topic);
    Require.atLeast("partition", partition, 0);
    Require.atLeast("offset", offset, 0);
  }

  /**
   * The record as consumed, whichever key deserialiser the consumer uses: a {@code byte[]} key is
   * kept as it is, a {@code String} key (Kafka's {@code StringDeserializer}) as its UTF-8 bytes.
   *
   * @throws IllegalArgumentException for a key of another type
   */
  public static SourceRecord of(ConsumerRecord<?, byte[]> record) {
    Object key = record.key();
    byte[] keyBytes;
    if (key == null || key instanceof byte[]) {
      keyBytes = (byte[]) key;
    } else if (key instanceof String s) {
      keyBytes = s.getBytes(StandardCharsets.UTF_8);
    } else {
      throw new IllegalArgumentException(
          "record key must be byte[] or String, was " + key.getClass().getName());
    }
    return new SourceRecord(
        record.topic(), record.partition(), record.offset(), keyBytes, record.value());
  }

  /** The key as UTF-8 text (malformed bytes become U+FFFD), or null for a record without key. */
  public String keyText() {
    return key == null ? null : new String(key, StandardCharsets.UTF_8);
  }

  /** {@code topic-partition@offset}, the form log lines use. */
  public String coordinates() {
    return topic + "-" + partition + "@" + offset;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SourceRecord r
        && topic.equals(r.topic)
        && partition == r.partition
        && offset == r.offset
        && Arrays.equals(key, r.key)
        && Arrays.equals(value, r.value);
  }

  @Override
  public int hashCode() {
    return Objects.hash(topic, partition, offset, Arrays.hashCode(key), Arrays.hashCode(value));
  }

  @Override
  public String toString() {
    return "SourceRecord["
        + coordinates()
        + ", key="
        + (key == null ? "null" : key.length + " bytes")
        + ", value="
        + (value == null ? "null" : value.length + " bytes")
        + "]";
  }
}
