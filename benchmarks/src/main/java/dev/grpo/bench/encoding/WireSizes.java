package dev.grpo.bench.encoding;

import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.RolloutGroup;
import dev.grpo.contracts.TokenArrayEncoding;

/**
 * Prints the bytes one rollout group takes on the wire, per token-array encoding and producer
 * compression, as a Markdown table. Arguments: {@code groupSize tokens...} (default 16 1000 4096).
 */
public final class WireSizes {
  /** Kafka's default {@code message.max.bytes} (broker) and {@code max.request.size} (producer). */
  static final int DEFAULT_MESSAGE_LIMIT_BYTES = 1_048_588;

  private WireSizes() {}

  public static void main(String[] args) {
    int groupSize = args.length > 0 ? Integer.parseInt(args[0]) : 16;
    int[] tokenCounts =
        args.length > 1
            ? java.util.Arrays.stream(args, 1, args.length).mapToInt(Integer::parseInt).toArray()
            : new int[] {1000, 4096};
    System.out.println(
        "| G x tokens | encoding | JSON bytes | batch, none | batch, lz4 | batch, zstd | zstd / 1"
            + " MiB limit |");
    System.out.println("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
    for (int tokens : tokenCounts) {
      RolloutGroup group = GroupFixture.rolloutGroup(groupSize, tokens, 7);
      for (var encoding : TokenArrayEncoding.values()) {
        byte[] json = EventJson.withTokenArrays(encoding).encode(group);
        int none = KafkaBatch.write(KafkaBatch.codec("none"), group.groupId(), json).sizeInBytes();
        int lz4 = KafkaBatch.write(KafkaBatch.codec("lz4"), group.groupId(), json).sizeInBytes();
        int zstd = KafkaBatch.write(KafkaBatch.codec("zstd"), group.groupId(), json).sizeInBytes();
        System.out.printf(
            "| %d x %d | %s | %,d | %,d | %,d | %,d | %.0f%% |%n",
            groupSize,
            tokens,
            encoding,
            json.length,
            none,
            lz4,
            zstd,
            100.0 * zstd / DEFAULT_MESSAGE_LIMIT_BYTES);
      }
    }
  }
}
