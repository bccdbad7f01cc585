package dev.grpo.trainer.messaging;

import dev.grpo.contracts.DeadLetterWrites;
import dev.grpo.contracts.DeadLetters;
import dev.grpo.contracts.SourceRecord;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.jboss.logging.Logger;

/**
 * Writes a record the trainer cannot use to {@code grpo.dlq}, built by the contract's one
 * dead-letter builder ({@link DeadLetters}: stage name, reason rule, payload cap, headers),
 * synchronously. The producer retries a failing write with backoff ({@link KafkaClients#producer});
 * {@link DeadLetterWrites} shows the health check a write that waits.
 */
public final class DeadLetterPublisher {
  private static final Logger LOG = Logger.getLogger(DeadLetterPublisher.class);

  private final Producer<String, byte[]> producer;
  private final DeadLetters letters = new DeadLetters();
  private final DeadLetterWrites writes;

  public DeadLetterPublisher(Producer<String, byte[]> producer, DeadLetterWrites writes) {
    this.producer = producer;
    this.writes = writes;
  }

  /**
   * Publishes and waits for the broker's acknowledgement, so the source offset may then be
   * committed.
   */
  public void publish(ConsumerRecord<String, byte[]> source, String reason) {
    var letter = letters.letter(SourceRecord.of(source), DeadLetters.TRAINER_SCORED, reason);
    long ticket = writes.started();
    try {
      producer.send(letter.producerRecordWithTextKey()).get();
      writes.acknowledged(ticket);
    } catch (InterruptedException e) {
      writes.failed(ticket, e);
      Thread.currentThread().interrupt();
      throw new IllegalStateException(
          "interrupted while dead-lettering " + source.topic() + "@" + source.offset(), e);
    } catch (ExecutionException e) {
      writes.failed(ticket, e.getCause());
      throw new IllegalStateException(
          "cannot dead-letter " + source.topic() + "@" + source.offset() + ": " + e.getCause(), e);
    }
    LOG.warnf(
        "dead-lettered %s-%d@%d key=%s: %s",
        source.topic(),
        source.partition(),
        source.offset(),
        source.key(),
        letter.envelope().reason());
  }
}
