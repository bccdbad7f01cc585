package dev.grpo.contracts;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * What a stage's dead-letter writes are doing, for its health check and metrics: how many wait for
 * the broker's acknowledgement, for how long the oldest has waited, how many failed for good and
 * why. The retries themselves are the Kafka producer's ({@code retries}, {@code retry.backoff.ms}
 * up to {@code retry.backoff.max.ms}, within {@code delivery.timeout.ms}); this only makes them
 * visible, so that a stage that cannot write its dead letters says so instead of going quiet.
 *
 * <p>Thread-safe.
 */
public final class DeadLetterWrites {
  /** A write unacknowledged for longer than this makes {@link #stuck()} true. */
  public static final long STUCK_AFTER_MILLIS = 10_000;

  private final ConcurrentHashMap<Long, Long> pendingSinceMillis = new ConcurrentHashMap<>();
  private final AtomicLong tickets = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicReference<String> lastFailure = new AtomicReference<>();
  private final LongSupplier clockMillis;

  /** On the system clock. */
  public DeadLetterWrites() {
    this(System::currentTimeMillis);
  }

  /**
   * @param clockMillis milliseconds since some fixed point
   */
  public DeadLetterWrites(LongSupplier clockMillis) {
    this.clockMillis = Require.nonNull("clockMillis", clockMillis);
  }

  /**
   * A write was handed to the producer; returns its ticket for {@link #acknowledged}/{@link
   * #failed}.
   */
  public long started() {
    long ticket = tickets.incrementAndGet();
    pendingSinceMillis.put(ticket, clockMillis.getAsLong());
    return ticket;
  }

  /** The broker has the letter. */
  public void acknowledged(long ticket) {
    pendingSinceMillis.remove(ticket);
  }

  /** The producer gave up on the letter (after its retries). */
  public void failed(long ticket, Throwable cause) {
    pendingSinceMillis.remove(ticket);
    failures.incrementAndGet();
    lastFailure.set(String.valueOf(cause));
  }

  /** Writes waiting for the broker. */
  public int pending() {
    return pendingSinceMillis.size();
  }

  /** How long the oldest pending write has waited, in milliseconds; 0 when none waits. */
  public long oldestPendingMillis() {
    long now = clockMillis.getAsLong();
    return pendingSinceMillis.values().stream().mapToLong(t -> now - t).max().orElse(0);
  }

  /** Whether a write has waited longer than {@link #STUCK_AFTER_MILLIS}. */
  public boolean stuck() {
    return oldestPendingMillis() > STUCK_AFTER_MILLIS;
  }

  /** Writes the producer gave up on. */
  public long failures() {
    return failures.get();
  }

  /** The last write failure, or null. */
  public String lastFailure() {
    return lastFailure.get();
  }

  /** One line for a health payload, e.g. {@code "2 pending, oldest 12034 ms, 0 failed"}. */
  public String describe() {
    String s =
        pending() + " pending, oldest " + oldestPendingMillis() + " ms, " + failures() + " failed";
    String last = lastFailure();
    return last == null ? s : s + ", last failure: " + last;
  }
}
