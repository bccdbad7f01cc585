package dev.grpo.localinfra;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The poison set every stage must survive: records it cannot process, each of which must become a
 * dead letter while the stage moves on. One set for the per-stage tests and the chaos suite, so
 * that "poison" means the same thing everywhere.
 *
 * <ul>
 *   <li>{@code random-bytes}: 4 KiB of seeded random bytes;
 *   <li>{@code truncated-json}: the first half of a valid event;
 *   <li>{@code wrong-type}: a well-formed event of another type (a {@code PolicyVersion});
 *   <li>{@code wrong-schema-version}: a valid event with {@code "schemaVersion":99};
 *   <li>{@code unknown-checker}: a valid event whose reward spec names a checker nobody registered
 *       (only the reward stage can tell; the others pass it on and the reward stage dead-letters
 *       it);
 *   <li>{@code compressed-5mb}: a 5 MB JSON object (no valid event) sent zstd-compressed, so it
 *       passes the broker's 1 MiB limit and is 5 MB only once the consumer decompresses it.
 * </ul>
 */
public final class PoisonRecords {
  /** Uncompressed size of the large record, in bytes. */
  public static final int LARGE_RECORD_BYTES = 5 * 1024 * 1024;

  /** The poison kinds, in the order {@link #forEvent} returns them. */
  public static final List<String> KINDS =
      List.of(
          "random-bytes",
          "truncated-json",
          "wrong-type",
          "wrong-schema-version",
          "unknown-checker",
          "compressed-5mb");

  /** A checker name no registry knows. */
  public static final String UNKNOWN_CHECKER = "no_such_checker";

  /**
   * One poison record.
   *
   * @param key the Kafka key, {@code <prefix>-<kind>}, so its dead letter can be found by key
   * @param kind one of {@link #KINDS}
   * @param value the payload
   */
  public record Poison(String key, String kind, byte[] value) {}

  private PoisonRecords() {}

  /**
   * The poison set for a topic whose valid event is {@code validEventJson} (compact JSON with
   * {@code "schemaVersion":1} and, for the unknown-checker variant, a reward spec checker named
   * {@code "name":"<checker>"}).
   *
   * @param keyPrefix prefix of every key, unique per test
   * @param validEventJson a valid event of the topic
   * @param checkerName the checker named in {@code validEventJson}'s reward spec
   */
  public static List<Poison> forEvent(String keyPrefix, String validEventJson, String checkerName) {
    String checker = "\"name\":\"" + checkerName + "\"";
    if (!validEventJson.contains(checker)) {
      throw new IllegalArgumentException("validEventJson must contain " + checker);
    }
    return build(keyPrefix, validEventJson, checker);
  }

  /**
   * The poison set without {@code unknown-checker}, for a topic whose events name no reward spec
   * ({@code grpo.policy}, {@code grpo.reward-parts}).
   *
   * @param keyPrefix prefix of every key, unique per test
   * @param validEventJson a valid event of the topic, compact JSON with {@code "schemaVersion":1}
   */
  public static List<Poison> forEventWithoutSpec(String keyPrefix, String validEventJson) {
    return build(keyPrefix, validEventJson, null);
  }

  private static List<Poison> build(String keyPrefix, String validEventJson, String checker) {
    if (!validEventJson.contains("\"schemaVersion\":1")) {
      throw new IllegalArgumentException("validEventJson must contain \"schemaVersion\":1");
    }
    byte[] random = new byte[4096];
    new Random(keyPrefix.hashCode()).nextBytes(random);
    String wrongType =
        "{\"schemaVersion\":1,\"runId\":\"poison\",\"version\":3,\"step\":3,"
            + "\"checkpointUri\":\"file:/nowhere\",\"sha256\":\""
            + "0".repeat(64)
            + "\",\"createdAt\":\"2026-01-01T00:00:00Z\"}";
    var large = new StringBuilder(LARGE_RECORD_BYTES + 64);
    large.append("{\"schemaVersion\":1,\"padding\":\"");
    while (large.length() < LARGE_RECORD_BYTES - 2) {
      large.append("grpo-poison ");
    }
    large.setLength(LARGE_RECORD_BYTES - 2);
    large.append("\"}");
    var out = new ArrayList<Poison>();
    out.add(poison(keyPrefix, KINDS.get(0), random));
    out.add(
        poison(
            keyPrefix,
            KINDS.get(1),
            utf8(validEventJson.substring(0, validEventJson.length() / 2))));
    out.add(poison(keyPrefix, KINDS.get(2), utf8(wrongType)));
    out.add(
        poison(
            keyPrefix,
            KINDS.get(3),
            utf8(validEventJson.replace("\"schemaVersion\":1", "\"schemaVersion\":99"))));
    if (checker != null) {
      out.add(
          poison(
              keyPrefix,
              KINDS.get(4),
              utf8(validEventJson.replace(checker, "\"name\":\"" + UNKNOWN_CHECKER + "\""))));
    }
    out.add(poison(keyPrefix, KINDS.get(5), utf8(large.toString())));
    return List.copyOf(out);
  }

  /**
   * A producer that can send the set: zstd, and a request size above the large record (the producer
   * checks the uncompressed size; the broker sees the compressed batch).
   */
  public static KafkaProducer<byte[], byte[]> producer(String bootstrapServers) {
    var p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * LARGE_RECORD_BYTES);
    p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 8L * LARGE_RECORD_BYTES);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return new KafkaProducer<>(p);
  }

  /** Sends every record of {@code set} to {@code topic} and waits for the broker's acks. */
  public static void send(KafkaProducer<byte[], byte[]> producer, String topic, List<Poison> set) {
    try {
      for (var p : set) {
        producer.send(new ProducerRecord<>(topic, utf8(p.key()), p.value())).get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while sending poison to " + topic, e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot send poison to " + topic + ": " + e.getCause(), e);
    }
  }

  private static Poison poison(String prefix, String kind, byte[] value) {
    return new Poison(prefix + "-" + kind, kind, value);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
