package dev.grpo.trainer.messaging;

import dev.grpo.contracts.DeadLetter;
import dev.grpo.contracts.ProducerHeader;
import dev.grpo.contracts.Topics;
import dev.grpo.trainer.console.RecordRef;
import dev.grpo.trainer.persistence.ConsoleStore;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Tails the topics that carry a group ({@code grpo.prompts}, {@code grpo.rollouts}, {@code
 * grpo.scored}, {@code grpo.dlq}) and writes where each record lies into {@code record_index}: the
 * log stays the store, the database holds only the index the console looks records up by. No
 * consumer group (it assigns every partition itself and resumes from the index), read_committed, so
 * aborted reward transactions are not indexed. Keys are group ids on every one of these topics (a
 * dead letter keeps the original record's key). Each entry keeps the record's producing instance
 * ({@code grpo-producer} header), so the lineage names it even after retention.
 */
@ApplicationScoped
public class RecordIndexer {
  static final List<String> INDEXED_TOPICS =
      List.of(Topics.PROMPTS, Topics.ROLLOUTS, Topics.SCORED, Topics.DLQ);

  private static final Logger LOG = Logger.getLogger(RecordIndexer.class);
  private static final long REASSIGN_MILLIS = 5_000;

  private final KafkaClients clients;
  private final boolean enabled;
  private final ConsoleStore store;
  private volatile boolean running;
  private Thread thread;
  private KafkaConsumer<String, byte[]> consumer;

  public RecordIndexer(
      KafkaClients clients,
      @ConfigProperty(name = "grpo.console.enabled", defaultValue = "true") boolean enabled,
      ConsoleStore store) {
    this.clients = clients;
    this.enabled = enabled;
    this.store = store;
  }

  void onStart(@Observes StartupEvent ev) {
    if (!enabled) {
      return;
    }
    consumer = clients.logReader("grpo-trainer-record-indexer", 500);
    running = true;
    thread = new Thread(this::run, "console-record-indexer");
    thread.setDaemon(true);
    thread.start();
  }

  void onStop(@Observes ShutdownEvent ev) {
    running = false;
    if (consumer != null) {
      consumer.wakeup();
    }
    if (thread != null) {
      try {
        thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void run() {
    Set<TopicPartition> assigned = new HashSet<>();
    long lastAssign = 0;
    try {
      while (running) {
        try {
          if (System.currentTimeMillis() - lastAssign > REASSIGN_MILLIS) {
            assigned = reassign(assigned);
            lastAssign = System.currentTimeMillis();
          }
          if (assigned.isEmpty()) {
            Thread.sleep(500);
            continue;
          }
          var records = consumer.poll(Duration.ofMillis(500));
          var refs = new ArrayList<RecordRef>();
          for (var r : records) {
            refs.add(ref(r));
          }
          store.index(refs);
        } catch (WakeupException e) {
          return;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        } catch (RuntimeException e) {
          LOG.warnf("record indexer: %s; retrying in 1 s", e.getMessage());
          sleepQuietly();
          // Re-seek every partition from the index: what this poll returned may not be written.
          assigned = Set.of();
          lastAssign = 0;
        }
      }
    } finally {
      consumer.close(Duration.ofSeconds(2));
    }
  }

  private Set<TopicPartition> reassign(Set<TopicPartition> assigned) {
    var all = new HashSet<TopicPartition>();
    for (String t : INDEXED_TOPICS) {
      var infos = consumer.partitionsFor(t, Duration.ofSeconds(3));
      if (infos != null) {
        infos.forEach(i -> all.add(new TopicPartition(t, i.partition())));
      }
    }
    if (all.equals(assigned)) {
      return assigned;
    }
    var next = store.nextOffsets();
    consumer.assign(all);
    for (var tp : all) {
      if (assigned.contains(tp)) {
        continue;
      }
      Long offset = next.getOrDefault(tp.topic(), java.util.Map.of()).get(tp.partition());
      if (offset == null) {
        consumer.seekToBeginning(List.of(tp));
      } else {
        consumer.seek(tp, offset);
      }
    }
    return all;
  }

  static RecordRef ref(ConsumerRecord<String, byte[]> r) {
    String stage = null;
    String reason = null;
    if (Topics.DLQ.equals(r.topic())) {
      stage = header(r, DeadLetter.Headers.STAGE);
      reason = header(r, DeadLetter.Headers.REASON);
    }
    String key = r.key();
    if (key != null && key.length() > 512) {
      key = key.substring(0, 512);
    }
    if (stage != null && stage.length() > 64) {
      stage = stage.substring(0, 64);
    }
    return new RecordRef(
        key,
        r.topic(),
        r.partition(),
        r.offset(),
        Instant.ofEpochMilli(r.timestamp()),
        stage,
        reason,
        ProducerHeader.of(r.headers()).orElse(null));
  }

  private static String header(ConsumerRecord<?, ?> r, String name) {
    var h = r.headers().lastHeader(name);
    return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static void sleepQuietly() {
    try {
      Thread.sleep(1_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
