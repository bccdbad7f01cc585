package dev.grpo.e2e;

import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.Topics;
import dev.grpo.contracts.TrainerStep;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Follows {@code grpo.steps} on its own thread and keeps every {@code TrainerStep}; the consumer
 * reconnects by itself when the broker comes back after a kill.
 */
final class StepWatcher implements AutoCloseable {
  private final List<Stalls.Step> steps = new CopyOnWriteArrayList<>();
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Thread thread;
  private volatile boolean running = true;

  StepWatcher(String bootstrap) {
    var p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    var parts =
        consumer.partitionsFor(Topics.STEPS, Duration.ofSeconds(30)).stream()
            .map(i -> new TopicPartition(Topics.STEPS, i.partition()))
            .toList();
    consumer.assign(parts);
    consumer.seekToBeginning(parts);
    thread = new Thread(this::follow, "chaos-step-watcher");
    thread.setDaemon(true);
    thread.start();
  }

  private void follow() {
    try {
      while (running) {
        for (var r : consumer.poll(Duration.ofMillis(200))) {
          try {
            TrainerStep s = EventJson.fromBytes(r.value(), TrainerStep.class);
            steps.add(new Stalls.Step(s.runId(), s.step(), s.createdAt()));
          } catch (RuntimeException e) {
            // Not a step (nobody poisons grpo.steps here); skip it.
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  /** Every step seen so far. */
  List<Stalls.Step> steps() {
    return List.copyOf(steps);
  }

  /** Steps of {@code runId} that finished after {@code after}. */
  long stepsAfter(String runId, Instant after) {
    return steps.stream()
        .filter(s -> s.runId().equals(runId) && s.createdAt().isAfter(after))
        .count();
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
