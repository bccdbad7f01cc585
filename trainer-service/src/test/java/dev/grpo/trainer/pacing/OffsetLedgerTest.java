package dev.grpo.trainer.pacing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class OffsetLedgerTest {

  @Test
  void commitsOnlyUpToTheFirstUnsafeRecord() {
    var l = new OffsetLedger<String>();
    l.received("p0", 0, "a");
    l.received("p0", 1, "b");
    l.receivedSafe("p0", 2);
    l.received("p0", 3, "c");
    assertThat(l.committable()).isEqualTo(Map.of("p0", 0L));
    l.markCommitted(Map.of("p0", 0L));
    l.safe("b");
    assertThat(l.committable()).as("a still pending").isEmpty();
    l.safe("a");
    assertThat(l.committable()).isEqualTo(Map.of("p0", 3L));
    l.markCommitted(Map.of("p0", 3L));
    l.safe("c");
    assertThat(l.committable()).isEqualTo(Map.of("p0", 4L));
  }

  @Test
  void aRedeliveredGroupFollowsTheFirstCopy() {
    var l = new OffsetLedger<String>();
    l.received("p0", 5, "a");
    l.received("p0", 6, "a");
    assertThat(l.pendingCount()).isEqualTo(2);
    l.safe("a");
    assertThat(l.pendingCount()).isZero();
    l.received("p0", 9, "a");
    assertThat(l.pendingCount()).as("already safe groups stay safe").isZero();
    assertThat(l.committable()).isEqualTo(Map.of("p0", 10L));
  }

  @Test
  void partitionsAreIndependent() {
    var l = new OffsetLedger<String>();
    l.received("p0", 0, "a");
    l.received("p1", 7, "b");
    l.safe("b");
    assertThat(l.committable()).isEqualTo(Map.of("p0", 0L, "p1", 8L));
  }
}
