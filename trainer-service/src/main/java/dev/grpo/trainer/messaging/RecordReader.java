package dev.grpo.trainer.messaging;

import dev.grpo.trainer.console.ReadBack;
import dev.grpo.trainer.console.RecordRef;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads single records back from the log by topic, partition and offset for the console: one
 * consumer without a group, used by one request at a time. An offset below the partition's log
 * start (retention removed it), or one the log skips (compaction), is reported as removed.
 */
@ApplicationScoped
public class RecordReader {
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

  private final KafkaClients clients;
  private KafkaConsumer<String, byte[]> consumer;

  public RecordReader(KafkaClients clients) {
    this.clients = clients;
  }

  /** Reads each record; never throws for one record that cannot be read. */
  public synchronized List<ReadBack> read(List<RecordRef> refs) {
    return refs.stream().map(this::readOne).toList();
  }

  private ReadBack readOne(RecordRef ref) {
    try {
      var c = consumer();
      var tp = new TopicPartition(ref.topic(), ref.partition());
      long start = c.beginningOffsets(List.of(tp), READ_TIMEOUT).getOrDefault(tp, 0L);
      if (ref.offset() < start) {
        return new ReadBack.Removed(ref, start);
      }
      c.assign(List.of(tp));
      c.seek(tp, ref.offset());
      long deadline = System.currentTimeMillis() + READ_TIMEOUT.toMillis();
      while (System.currentTimeMillis() < deadline) {
        for (var r : c.poll(Duration.ofMillis(200)).records(tp)) {
          if (r.offset() == ref.offset()) {
            var headers = new LinkedHashMap<String, String>();
            for (var h : r.headers()) {
              headers.put(
                  h.key(), h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8));
            }
            return new ReadBack.Found(ref, r.value(), headers);
          }
          if (r.offset() > ref.offset()) {
            return new ReadBack.Removed(ref, r.offset());
          }
        }
      }
      return new ReadBack.Unreadable(ref, "no record within " + READ_TIMEOUT.toSeconds() + " s");
    } catch (RuntimeException e) {
      return new ReadBack.Unreadable(ref, e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  private KafkaConsumer<String, byte[]> consumer() {
    if (consumer == null) {
      consumer = clients.logReader("grpo-trainer-record-reader", 1);
    }
    return consumer;
  }

  @PreDestroy
  synchronized void close() {
    if (consumer != null) {
      consumer.close(Duration.ofSeconds(2));
    }
  }
}
