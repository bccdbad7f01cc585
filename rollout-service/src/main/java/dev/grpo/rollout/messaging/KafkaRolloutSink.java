package dev.grpo.rollout.messaging;

import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.RolloutGroup;
import dev.grpo.contracts.Topics;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Publishes groups to grpo.rollouts, key groupId. */
public final class KafkaRolloutSink implements RolloutSink {
  private final Producer<byte[], byte[]> producer;

  public KafkaRolloutSink(Producer<byte[], byte[]> producer) {
    this.producer = producer;
  }

  @Override
  public CompletableFuture<Void> publish(RolloutGroup group) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    producer.send(
        new ProducerRecord<>(
            Topics.ROLLOUTS,
            group.groupId().getBytes(StandardCharsets.UTF_8),
            EventJson.toBytes(group)),
        (meta, e) -> {
          if (e == null) {
            done.complete(null);
          } else {
            done.completeExceptionally(e);
          }
        });
    return done;
  }
}
