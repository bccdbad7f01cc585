package dev.grpo.bench.encoding;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.SimpleRecord;

/**
 * What a Kafka producer puts on the wire for one record: a v2 record batch compressed with the
 * producer's own codec classes (kafka-clients' lz4 and zstd framing, default levels).
 */
final class KafkaBatch {
  private KafkaBatch() {}

  static Compression codec(String name) {
    return switch (name) {
      case "none" -> Compression.NONE;
      case "lz4" -> Compression.lz4().build();
      case "zstd" -> Compression.zstd().build();
      default -> throw new IllegalArgumentException("codec must be none, lz4 or zstd, was " + name);
    };
  }

  static MemoryRecords write(Compression codec, String key, byte[] value) {
    return MemoryRecords.withRecords(
        codec, new SimpleRecord(key.getBytes(StandardCharsets.UTF_8), value));
  }

  static byte[] readValue(ByteBuffer batch) {
    for (Record r : MemoryRecords.readableRecords(batch.duplicate()).records()) {
      var out = new byte[r.valueSize()];
      r.value().get(out);
      return out;
    }
    throw new IllegalStateException("empty batch");
  }
}
