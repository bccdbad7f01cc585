package dev.grpo.rollout.messaging;

import dev.grpo.contracts.Contracts;
import dev.grpo.contracts.DeadLetter;
import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.Topics;
import dev.grpo.rollout.service.SourceRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

/**
 * Writes a {@link DeadLetter} envelope to grpo.dlq under the original key, with the metadata
 * repeated in headers.
 */
public final class DeadLetterPublisher {
  private static final Logger LOG = Logger.getLogger(DeadLetterPublisher.class);
  private final Producer<byte[], byte[]> producer;

  public DeadLetterPublisher(Producer<byte[], byte[]> producer) {
    this.producer = producer;
  }

  /** Sends the envelope; the future completes when the broker has it. */
  public CompletableFuture<Void> publish(SourceRecord src, String stage, String reason) {
    String key = src.key() == null ? null : new String(src.key(), StandardCharsets.UTF_8);
    var letter =
        new DeadLetter(
            Contracts.SCHEMA_VERSION,
            stage,
            reason,
            src.topic(),
            src.partition(),
            src.offset(),
            key,
            src.value() == null ? new byte[0] : src.value(),
            Instant.now());
    var record =
        new ProducerRecord<byte[], byte[]>(Topics.DLQ, src.key(), EventJson.toBytes(letter));
    record
        .headers()
        .add(DeadLetter.Headers.STAGE, bytes(stage))
        .add(DeadLetter.Headers.REASON, bytes(reason))
        .add(DeadLetter.Headers.SOURCE_TOPIC, bytes(src.topic()))
        .add(DeadLetter.Headers.SOURCE_PARTITION, bytes(Integer.toString(src.partition())))
        .add(DeadLetter.Headers.SOURCE_OFFSET, bytes(Long.toString(src.offset())));
    LOG.debugf("dead letter %s-%d@%d: %s", src.topic(), src.partition(), src.offset(), reason);
    CompletableFuture<Void> done = new CompletableFuture<>();
    producer.send(
        record,
        (meta, e) -> {
          if (e == null) {
            done.complete(null);
          } else {
            done.completeExceptionally(e);
          }
        });
    return done;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
