package dev.grpo.trainer.console;

import java.time.Instant;
import java.util.List;

/**
 * The log as the broker reports it at one moment: every topic with its end offset and produce rate,
 * every consumer group with its lag and members. {@code error} says why a sample failed (the
 * previous numbers are then kept).
 */
public record FlowSnapshot(
    Instant at, List<TopicFlow> topics, List<GroupLag.GroupFlow> groups, String error) {

  /** One topic: partitions, end offset (sum over partitions), records appended per second. */
  public record TopicFlow(String topic, int partitions, long endOffset, double ratePerSecond) {}

  public static FlowSnapshot empty(String why) {
    return new FlowSnapshot(Instant.now(), List.of(), List.of(), why);
  }
}
