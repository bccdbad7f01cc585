package dev.grpo.trainer.messaging;

import dev.grpo.contracts.DeadLetter;
import dev.grpo.contracts.DeadLetters;
import dev.grpo.contracts.EventFormatException;
import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.GroupTracing;
import dev.grpo.contracts.Topics;
import dev.grpo.trainer.service.TrainingRuns;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

/**
 * The trainer's {@code grpo.dlq} consumer (group {@value KafkaClients#DEAD_LETTER_CONSUMER_GROUP}):
 * a dead letter keyed by a group that is still in flight means no stage will ever score that group,
 * so {@link TrainingRuns#onDeadLetter} drops it and its credit issues a replacement. The offsets
 * are committed once the drops are in the database. A letter that cannot be decoded is logged and
 * skipped, never dead-lettered again (that would loop on grpo.dlq).
 */
final class DeadLetterConsumer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(DeadLetterConsumer.class);

  private final Consumer<String, byte[]> consumer;
  private final TrainingRuns runs;
  private final BooleanSupplier mayCommit;

  DeadLetterConsumer(
      Consumer<String, byte[]> consumer, TrainingRuns runs, BooleanSupplier mayCommit) {
    this.consumer = consumer;
    this.runs = runs;
    this.mayCommit = mayCommit;
  }

  void subscribe() {
    consumer.subscribe(List.of(Topics.DLQ));
  }

  /** One poll: handles every letter, then commits them (every drop is already recorded). */
  void poll(Duration timeout) {
    var letters = consumer.poll(timeout);
    for (ConsumerRecord<String, byte[]> r : letters) {
      handle(r);
    }
    if (!letters.isEmpty() && mayCommit.getAsBoolean()) {
      consumer.commitSync();
    }
  }

  private void handle(ConsumerRecord<String, byte[]> r) {
    if (r.value() == null) {
      return;
    }
    DeadLetter letter;
    try {
      letter = EventJson.fromBytes(r.value(), DeadLetter.class);
    } catch (EventFormatException e) {
      LOG.warnf(
          "ignoring undecodable dead letter %s-%d@%d: %s",
          r.topic(), r.partition(), r.offset(), e.getMessage());
      return;
    }
    if (DeadLetters.REWARD_PART.equals(letter.stage())) {
      // A bad reward part: its group may still be scored (or dropped by the join, another letter).
      return;
    }
    String groupId = r.key() != null ? r.key() : letter.key();
    if (groupId != null) {
      runs.traces().seen(groupId, GroupTracing.extract(r.headers()));
      runs.onDeadLetter(groupId, letter);
    }
  }

  /** Closes without waiting. */
  @Override
  public void close() {
    consumer.close(Duration.ZERO);
  }
}
