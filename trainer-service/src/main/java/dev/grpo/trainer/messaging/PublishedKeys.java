package dev.grpo.trainer.messaging;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;

/**
 * Which of some keys have a record on a topic since an instant, read from the log itself: every
 * partition from the first record at or after the instant (the broker's time index, {@code
 * offsetsForTimes}) up to the end offsets taken when the read starts. The read is bounded by the
 * records written since the instant, not by the topic's length.
 */
final class PublishedKeys {
  /**
   * Read from this much before the instant asked for: a record's timestamp is the producer's clock
   * at send (after the caller's own clock noted the instant) or, on a topic with LogAppendTime, the
   * broker's clock, which may lag the trainer's.
   */
  static final Duration CLOCK_SLACK = Duration.ofMinutes(1);

  private PublishedKeys() {}

  /**
   * @throws IllegalStateException when the log cannot be read to its end within {@code timeout}
   */
  static Set<String> find(
      Consumer<String, byte[]> reader,
      String topic,
      Collection<String> keys,
      Instant since,
      Duration timeout) {
    Set<String> wanted = new HashSet<>(keys);
    Set<String> found = new HashSet<>();
    if (wanted.isEmpty()) {
      return found;
    }
    List<TopicPartition> partitions =
        reader.partitionsFor(topic, timeout).stream()
            .map(p -> new TopicPartition(topic, p.partition()))
            .toList();
    long from = since.minus(CLOCK_SLACK).toEpochMilli();
    Map<TopicPartition, Long> times = new HashMap<>();
    partitions.forEach(tp -> times.put(tp, from));
    Map<TopicPartition, OffsetAndTimestamp> starts = reader.offsetsForTimes(times, timeout);
    Map<TopicPartition, Long> ends = reader.endOffsets(partitions, timeout);
    Map<TopicPartition, Long> toRead = new HashMap<>();
    starts.forEach(
        (tp, start) -> {
          if (start != null && start.offset() < ends.get(tp)) {
            toRead.put(tp, start.offset());
          }
        });
    if (toRead.isEmpty()) {
      return found;
    }
    reader.assign(toRead.keySet());
    toRead.forEach(reader::seek);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!toRead.isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "could not read " + topic + " to its end within " + timeout + ": left " + toRead);
      }
      for (ConsumerRecord<String, byte[]> r : reader.poll(Duration.ofMillis(200))) {
        if (r.key() != null && wanted.contains(r.key())) {
          found.add(r.key());
        }
      }
      toRead.keySet().removeIf(tp -> reader.position(tp) >= ends.get(tp));
    }
    return found;
  }
}
