package dev.grpo.trainer.messaging;

import dev.grpo.contracts.DeadLetters;
import dev.grpo.contracts.SourceRecord;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.jboss.logging.Logger;

/**
 * Writes a record the trainer cannot use to {@code grpo.dlq}, built by the contract's one
 * dead-letter builder ({@link DeadLetters}: stage name, reason rule, payload cap, headers),
 * synchronously.
 */
public final class DeadLetterPublisher {
  private static final Logger LOG = Logger.getLogger(DeadLetterPublisher.class);

  private final Producer<String, byte[]> producer;
  private final DeadLetters letters = new DeadLetters();

  public DeadLetterPublisher(Producer<String, byte[]> producer) {
    this.producer = producer;
  }

  /**
   * Publishes and waits for the broker's acknowledgement, so the source offset may then be
   * committed.
   */
  public void publish(ConsumerRecord<String, byte[]> source, String reason) {
    var letter = letters.letter(SourceRecord.of(source), DeadLetters.TRAINER_SCORED, reason);
    try {
      producer.send(letter.producerRecordWithTextKey()).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(
          "interrupted while dead-lettering " + source.topic() + "@" + source.offset(), e);
    } catch (ExecutionException e) {
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
