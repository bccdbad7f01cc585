package dev.grpo.trainer.service;

import dev.grpo.contracts.EventJson;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/**
 * The broker of plain tests: every sent record in order, acknowledged at once, or refused with
 * {@link #failWith} (as a broker that is away after the producer's retries).
 */
final class RecordedEvents implements RunEvents {
  record Sent(String topic, String key, byte[] value) {
    <T> T as(Class<T> type) {
      return EventJson.fromBytes(value, type);
    }
  }

  final List<Sent> sent = new ArrayList<>();
  private final List<String> log;
  private RuntimeException failure;

  /**
   * @param log where each send is noted too (e.g. the fake database's call log), or null
   */
  RecordedEvents(List<String> log) {
    this.log = log;
  }

  void failWith(RuntimeException e) {
    failure = e;
  }

  @Override
  public Future<?> send(String topic, String key, byte[] value) {
    if (log != null) {
      log.add("send " + topic);
    }
    if (failure != null) {
      return CompletableFuture.failedFuture(failure);
    }
    sent.add(new Sent(topic, key, value));
    return CompletableFuture.completedFuture(null);
  }

  List<Sent> on(String topic) {
    return sent.stream().filter(s -> s.topic().equals(topic)).toList();
  }
}
