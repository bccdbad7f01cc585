package dev.grpo.contracts;

import static org.junit.jupiter.api.Assertions.*;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DeadLetterWritesTest {
  @Test
  void aWriteWaitingLongerThanTheLimitIsStuckUntilAcknowledged() {
    var now = new AtomicLong(1_000);
    var w = new DeadLetterWrites(now::get);
    long a = w.started();
    now.addAndGet(DeadLetterWrites.STUCK_AFTER_MILLIS + 1);
    long b = w.started();
    assertEquals(2, w.pending());
    assertEquals(DeadLetterWrites.STUCK_AFTER_MILLIS + 1, w.oldestPendingMillis());
    assertTrue(w.stuck());
    w.acknowledged(a);
    assertFalse(w.stuck());
    w.failed(b, new IllegalStateException("broker away"));
    assertEquals(0, w.pending());
    assertEquals(1, w.failures());
    assertEquals(
        "0 pending, oldest 0 ms, 1 failed, last failure: java.lang.IllegalStateException: broker"
            + " away",
        w.describe());
  }
}
