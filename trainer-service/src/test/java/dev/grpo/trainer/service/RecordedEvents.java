package dev.grpo.trainer.service;

import dev.grpo.contracts.EventJson;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

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
  private RuntimeException readBackFailure;

  /**
   * @param log where each send is noted too (e.g. the fake database's call log), or null
   */
  RecordedEvents(List<String> log) {
    this.log = log;
  }

  void failWith(RuntimeException e) {
    failure = e;
  }

  /** Reading the log back fails with {@code e} from now on. */
  void failReadBackWith(RuntimeException e) {
    readBackFailure = e;
  }

  /** The keys sent to {@code topic} (the fake log has no timestamps, so {@code since} is moot). */
  @Override
  public Set<String> published(String topic, Collection<String> keys, Instant since) {
    if (readBackFailure != null) {
      throw readBackFailure;
    }
    return on(topic).stream()
        .map(Sent::key)
        .filter(keys::contains)
        .collect(Collectors.toUnmodifiableSet());
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
