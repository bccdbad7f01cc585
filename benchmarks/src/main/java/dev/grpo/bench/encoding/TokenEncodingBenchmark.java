package dev.grpo.bench.encoding;

import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.RolloutGroup;
import dev.grpo.contracts.TokenArrayEncoding;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.compress.Compression;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Cost of putting one rollout group (G completions x N tokens) on the wire and taking it off again:
 * JSON encoding of the event plus the producer's record-batch compression, and the reverse. Sizes
 * are printed by {@link WireSizes}. Run: see docs/benchmarks.md, section "Event encoding".
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class TokenEncodingBenchmark {
  @Param({"PACKED_BASE64", "JSON_ARRAYS"})
  public TokenArrayEncoding encoding;

  @Param({"none", "lz4", "zstd"})
  public String compression;

  @Param("16")
  public int groupSize;

  @Param("1000")
  public int tokens;

  private EventJson json;
  private Compression codec;
  private RolloutGroup group;
  private ByteBuffer wire;

  @Setup
  public void setUp() {
    json = EventJson.withTokenArrays(encoding);
    codec = KafkaBatch.codec(compression);
    group = GroupFixture.rolloutGroup(groupSize, tokens, 7);
    wire = KafkaBatch.write(codec, group.groupId(), json.encode(group)).buffer();
    if (!json.decode(KafkaBatch.readValue(wire), RolloutGroup.class).equals(group)) {
      throw new IllegalStateException("round trip changed the group");
    }
  }

  /** Event to compressed record batch, as a producer does it. */
  @Benchmark
  public ByteBuffer encode() {
    return KafkaBatch.write(codec, group.groupId(), json.encode(group)).buffer();
  }

  /** Compressed record batch back to a validated event, as a consumer does it. */
  @Benchmark
  public RolloutGroup decode() {
    return json.decode(KafkaBatch.readValue(wire), RolloutGroup.class);
  }
}
