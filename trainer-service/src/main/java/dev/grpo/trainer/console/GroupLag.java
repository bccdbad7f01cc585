package dev.grpo.trainer.console;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A consumer group's lag from Kafka's own numbers: per topic, the sum over its partitions of end
 * offset minus committed offset. A partition without a committed offset lags by its whole end
 * offset (the group has read nothing of it yet, as far as the broker knows).
 */
public final class GroupLag {
  private GroupLag() {}

  /** A partition of a topic. */
  public record Partition(String topic, int partition) {}

  /** One member of a consumer group, as the broker's group coordinator describes it. */
  public record Member(String clientId, String host, List<String> partitions) {}

  /** What the console shows of a consumer group. */
  public record GroupFlow(
      String groupId, String state, Map<String, Long> lagByTopic, List<Member> members) {
    public long totalLag() {
      return lagByTopic.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /**
   * @param endOffsets end offset of every partition the group has committed or is assigned
   * @param committed the group's committed offsets (absent: nothing committed)
   */
  public static Map<String, Long> byTopic(
      Map<Partition, Long> endOffsets, Map<Partition, Long> committed) {
    var out = new TreeMap<String, Long>();
    for (var e : endOffsets.entrySet()) {
      long done = committed.getOrDefault(e.getKey(), 0L);
      out.merge(e.getKey().topic(), Math.max(0, e.getValue() - done), Long::sum);
    }
    return out;
  }
}
