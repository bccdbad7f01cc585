package dev.grpo.trainer.messaging;

import dev.grpo.contracts.Contracts;
import dev.grpo.contracts.DeadLetter;
import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

/**
 * Writes a record the trainer cannot use to {@code grpo.dlq} as a {@link DeadLetter},
 * synchronously.
 */
public final class DeadLetterPublisher {
  /** Stage name in the envelope. */
  public static final String STAGE = "trainer-service/scored";

  private static final Logger LOG = Logger.getLogger(DeadLetterPublisher.class);

  private final Producer<String, byte[]> producer;

  public DeadLetterPublisher(Producer<String, byte[]> producer) {
    this.producer = producer;
  }

  /**
   * Publishes and waits for the broker's acknowledgement, so the source offset may then be
   * committed.
   */
  public void publish(ConsumerRecord<String, byte[]> source, String reason) {
    String oneLine = reason.replace('\n', ' ');
    var letter =
        new DeadLetter(
            Contracts.SCHEMA_VERSION,
            STAGE,
            oneLine,
            source.topic(),
            source.partition(),
            source.offset(),
            source.key(),
            source.value() == null ? new byte[0] : source.value(),
            Instant.now());
    var record = new ProducerRecord<>(Topics.DLQ, source.key(), EventJson.toBytes(letter));
    record
        .headers()
        .add(DeadLetter.Headers.STAGE, STAGE.getBytes(StandardCharsets.UTF_8))
        .add(DeadLetter.Headers.REASON, oneLine.getBytes(StandardCharsets.UTF_8))
        .add(DeadLetter.Headers.SOURCE_TOPIC, source.topic().getBytes(StandardCharsets.UTF_8))
        .add(
            DeadLetter.Headers.SOURCE_PARTITION,
            Integer.toString(source.partition()).getBytes(StandardCharsets.UTF_8))
        .add(
            DeadLetter.Headers.SOURCE_OFFSET,
            Long.toString(source.offset()).getBytes(StandardCharsets.UTF_8));
    try {
      producer.send(record).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(
          "interrupted while dead-lettering " + source.topic() + "@" + source.offset(), e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(
          "cannot dead-letter " + source.topic() + "@" + source.offset() + ": " + e.getCause(), e);
    }
    LOG.warnf(
        "dead-lettered %s-%d@%d key=%s: %s",
        source.topic(), source.partition(), source.offset(), source.key(), oneLine);
  }
}
