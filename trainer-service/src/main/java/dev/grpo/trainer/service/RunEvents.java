package dev.grpo.trainer.service;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Where the events of a run go: PromptTasks, TrainerSteps, PolicyVersions (the trainer's Kafka
 * producer in the app, {@code messaging.KafkaRunEvents}; a list in plain tests).
 */
public interface RunEvents {

  /** Sends one record; the future completes when the broker has acknowledged it. */
  Future<?> send(String topic, String key, byte[] value);

  /**
   * The keys among {@code keys} that already have a record on {@code topic} written at or after
   * {@code since}: on resume, the tasks a crash left between the broker's acknowledgement and the
   * database's "sent" mark, which must not be sent a second time.
   */
  Set<String> published(String topic, Collection<String> keys, Instant since);

  /**
   * Waits for every send; a failure becomes an IllegalStateException naming what was sent (the
   * caller has not marked anything as sent yet, so a restart sends it again).
   */
  static void awaitAll(List<? extends Future<?>> sends, String what) {
    for (Future<?> f : sends) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while publishing a " + what, e);
      } catch (ExecutionException e) {
        throw new IllegalStateException(
            "cannot publish a " + what + ": " + e.getCause(), e.getCause());
      }
    }
  }
}
