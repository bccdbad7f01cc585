package dev.grpo.rollout.messaging;

import dev.grpo.contracts.DeadLetter;
import dev.grpo.contracts.DeadLetterWrites;
import dev.grpo.contracts.DeadLetters;
import dev.grpo.contracts.SourceRecord;
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

  public DeadLetterPublisher(Producer<byte[], byte[]> producer, DeadLetters deadLetters) {
    this.producer = producer;
    this.deadLetters = deadLetters;
  }

  /** Sends the letter; the future completes when the broker has it. */
  public CompletableFuture<Void> publish(SourceRecord src, String stage, String reason) {
    var letter = deadLetters.letter(src, stage, reason);
    LOG.debugf("dead letter %s: %s", src.coordinates(), letter.envelope().reason());
    CompletableFuture<Void> done = new CompletableFuture<>();
    long ticket = writes.started();
    producer.send(
        letter.producerRecord(),
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
