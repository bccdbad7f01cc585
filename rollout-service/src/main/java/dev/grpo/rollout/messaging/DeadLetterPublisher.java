package dev.grpo.rollout.messaging;

import dev.grpo.contracts.DeadLetter;
import dev.grpo.contracts.DeadLetterWrites;
import dev.grpo.contracts.DeadLetters;
import dev.grpo.contracts.GroupTracing;
import dev.grpo.contracts.ProducerHeader;
import dev.grpo.contracts.SourceRecord;
import io.opentelemetry.context.Context;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.Producer;
import org.jboss.logging.Logger;

/**
 * Writes a {@link DeadLetter} to grpo.dlq under the original key, built by the contract's {@link
 * DeadLetters} (reason rule, size cap, headers). The producer retries a failing write with backoff
 * ({@link KafkaClients#producer}); {@link #writes()} shows the health check what waits.
 */
public final class DeadLetterPublisher {
  private static final Logger LOG = Logger.getLogger(DeadLetterPublisher.class);
  private final Producer<byte[], byte[]> producer;
  private final DeadLetters deadLetters;
  private final DeadLetterWrites writes = new DeadLetterWrites();
  private final String producerId;

  public DeadLetterPublisher(Producer<byte[], byte[]> producer, DeadLetters deadLetters) {
    this(producer, deadLetters, null);
  }

  /**
   * @param producerId written as each letter's {@code grpo-producer} header, or null for none
   */
  public DeadLetterPublisher(
      Producer<byte[], byte[]> producer, DeadLetters deadLetters, String producerId) {
    this.producer = producer;
    this.deadLetters = deadLetters;
    this.producerId = producerId;
  }

  /** Sends the letter; the future completes when the broker has it. */
  public CompletableFuture<Void> publish(SourceRecord src, String stage, String reason) {
    var letter = deadLetters.letter(src, stage, reason);
    LOG.debugf("dead letter %s: %s", src.coordinates(), letter.envelope().reason());
    CompletableFuture<Void> done = new CompletableFuture<>();
    long ticket = writes.started();
    var record = letter.producerRecord();
    // The letter continues the task's trace (the caller's current span) so its drop joins it.
    GroupTracing.inject(Context.current(), record.headers());
    ProducerHeader.set(record.headers(), producerId);
    producer.send(
        record,
        (meta, e) -> {
          if (e == null) {
            writes.acknowledged(ticket);
            done.complete(null);
          } else {
            writes.failed(ticket, e);
            done.completeExceptionally(e);
          }
        });
    return done;
  }

  /** The writes in flight and failed, for the health check. */
  public DeadLetterWrites writes() {
    return writes;
  }
}
