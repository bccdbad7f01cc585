package dev.grpo.trainer.messaging;

import dev.grpo.contracts.EventFormatException;
import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.GroupTracing;
import dev.grpo.contracts.ScoredGroup;
import dev.grpo.contracts.Topics;
import dev.grpo.trainer.pacing.OffsetLedger;
import dev.grpo.trainer.service.TrainingRuns;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The trainer's {@code grpo.scored} consumer (group {@value KafkaClients#CONSUMER_GROUP}): decodes
 * each record, hands the group to {@link TrainingRuns}, dead-letters what no run can use, and
 * commits only what the {@link OffsetLedger} says is durable. A record of an active run stays
 * pending until its group is dropped, or trained into a recorded checkpoint.
 */
final class ScoredGroupConsumer implements AutoCloseable {
  private final Consumer<String, byte[]> consumer;
  private final OffsetLedger<TopicPartition> ledger;
  private final TrainingRuns runs;
  private final DeadLetterPublisher deadLetters;
  private final BooleanSupplier mayCommit;

  /**
   * @param mayCommit false once the loop is dying: a killed process commits nothing
   */
  ScoredGroupConsumer(
      Consumer<String, byte[]> consumer,
      OffsetLedger<TopicPartition> ledger,
      TrainingRuns runs,
      DeadLetterPublisher deadLetters,
      BooleanSupplier mayCommit) {
    this.consumer = consumer;
    this.ledger = ledger;
    this.runs = runs;
    this.deadLetters = deadLetters;
    this.mayCommit = mayCommit;
  }

  /** Subscribes; a revoked partition commits what is safe and is forgotten by the ledger. */
  void subscribe() {
    consumer.subscribe(
        List.of(Topics.SCORED),
        new ConsumerRebalanceListener() {
          @Override
          public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            commitSafe();
            partitions.forEach(ledger::forget);
          }

          @Override
          public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}
        });
  }

  /** One poll: every record is handed on before it returns. */
  void poll(Duration timeout) {
    for (ConsumerRecord<String, byte[]> r : consumer.poll(timeout)) {
      handle(r);
    }
  }

  private void handle(ConsumerRecord<String, byte[]> r) {
    var tp = new TopicPartition(r.topic(), r.partition());
    if (r.value() == null) {
      ledger.receivedSafe(tp, r.offset());
      return;
    }
    String deadLetter = null;
    ScoredGroup g = null;
    try {
      g = EventJson.fromBytes(r.value(), ScoredGroup.class);
    } catch (EventFormatException e) {
      deadLetter = "undecodable ScoredGroup: " + e.getMessage();
    }
    if (g != null) {
      // The group's fate span (trained or dropped) follows the reward service's span.
      runs.traces().seen(g.groupId(), GroupTracing.extract(r.headers()));
      deadLetter = runs.onScored(g).orElse(null);
    }
    if (deadLetter != null) {
      deadLetters.publish(r, deadLetter);
    }
    // Decided first, recorded after: a record is pending only while an active run still waits
    // for its group (buffered, to be trained); a dead-lettered, dropped or stray one is settled
    // at once (a group already decided is in the ledger's safe set), so commits never stick.
    if (deadLetter == null && g != null && runs.isActive(g.runId())) {
      ledger.received(tp, r.offset(), g.groupId());
    } else {
      ledger.receivedSafe(tp, r.offset());
    }
  }

  /** Commits every position the ledger allows, unless the loop is dying. */
  void commitSafe() {
    if (!mayCommit.getAsBoolean()) {
      return;
    }
    Map<TopicPartition, Long> positions = ledger.committable();
    if (positions.isEmpty()) {
      return;
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    positions.forEach((tp, pos) -> offsets.put(tp, new OffsetAndMetadata(pos)));
    consumer.commitSync(offsets);
    ledger.markCommitted(positions);
  }

  /** Closes without waiting: on a crash nothing more may be committed. */
  @Override
  public void close() {
    consumer.close(Duration.ZERO);
  }
}
