package dev.grpo.rollout.messaging;

import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.GroupTracing;
import dev.grpo.contracts.ProducerHeader;
import dev.grpo.contracts.RolloutGroup;
import dev.grpo.contracts.Topics;
import io.opentelemetry.context.Context;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Publishes groups to grpo.rollouts, key groupId, with the current trace context (the worker's
 * generate span) and the worker id as headers.
 */
public final class KafkaRolloutSink implements RolloutSink {
  private final Producer<byte[], byte[]> producer;
  private final String workerId;

  public KafkaRolloutSink(Producer<byte[], byte[]> producer) {
    this(producer, null);
  }

  /**
   * @param workerId written as the {@code grpo-producer} header of every group, or null for none
   */
  public KafkaRolloutSink(Producer<byte[], byte[]> producer, String workerId) {
    this.producer = producer;
    this.workerId = workerId;
  }

  @Override
  public CompletableFuture<Void> publish(RolloutGroup group) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    var headers = GroupTracing.inject(Context.current(), new RecordHeaders());
    ProducerHeader.set(headers, workerId);
    producer.send(
        new ProducerRecord<>(
            Topics.ROLLOUTS,
            null,
            group.groupId().getBytes(StandardCharsets.UTF_8),
            EventJson.toBytes(group),
            headers),
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
