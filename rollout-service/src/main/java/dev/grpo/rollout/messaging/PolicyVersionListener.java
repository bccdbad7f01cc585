package dev.grpo.rollout.messaging;

import dev.grpo.contracts.EventFormatException;
import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.PolicyVersion;
import dev.grpo.contracts.Topics;
import dev.grpo.rollout.policy.PolicyRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * Reads grpo.policy from the beginning on its own thread, without a consumer group (every worker
 * needs every run's latest version), and hands each version to the {@link PolicyRegistry}, which
 * loads it on this thread while generation continues. No group membership means no
 * max.poll.interval to respect, however long a load takes.
 */
public final class PolicyVersionListener implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(PolicyVersionListener.class);
  private final Properties props;
  private final PolicyRegistry registry;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;
  private volatile KafkaConsumer<byte[], byte[]> consumer;

  public PolicyVersionListener(Properties props, PolicyRegistry registry, String workerId) {
    this.props = props;
    this.registry = registry;
    this.thread = new Thread(this::run, "grpo-policy-" + workerId);
    this.thread.setDaemon(true);
  }

  /** Starts reading. */
  public void start() {
    thread.start();
  }

  private void run() {
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props)) {
      consumer = c;
      List<TopicPartition> parts = List.of();
      while (running.get() && parts.isEmpty()) {
        // The topic may not exist yet when the worker starts before the trainer.
        try {
          parts =
              c.partitionsFor(Topics.POLICY, Duration.ofSeconds(5)).stream()
                  .map(p -> new TopicPartition(p.topic(), p.partition()))
                  .toList();
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
          LOG.debugf("waiting for topic %s: %s", Topics.POLICY, e.getMessage());
        }
      }
      c.assign(parts);
      c.seekToBeginning(parts);
      while (running.get()) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          if (r.value() == null) {
            continue; // tombstone: a deleted run
          }
          try {
            registry.announce(EventJson.fromBytes(r.value(), PolicyVersion.class));
          } catch (EventFormatException e) {
            LOG.warnf(
                "ignored undecodable PolicyVersion at %s-%d@%d: %s",
                r.topic(), r.partition(), r.offset(), e.getMessage());
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      if (running.get()) {
        LOG.error("policy listener stopped; this worker keeps serving the policies it has", e);
      }
    }
  }

  @Override
  public void close() {
    running.set(false);
    KafkaConsumer<byte[], byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
