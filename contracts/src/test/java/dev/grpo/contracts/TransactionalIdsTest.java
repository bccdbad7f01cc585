package dev.grpo.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TransactionalIdsTest {
  @Test
  void stageAndInstanceMakeTheId() {
    assertEquals("grpo-rollout-host-0", TransactionalIds.of(TransactionalIds.ROLLOUT, "host-0"));
    assertEquals("grpo-reward-reward-1", TransactionalIds.of(TransactionalIds.REWARD, "reward-1"));
  }

  @Test
  void blankOrSpacedInstanceIdsAreRefused() {
    var e = assertThrows(IllegalArgumentException.class, () -> TransactionalIds.of("rollout", " "));
    assertEquals("instanceId must be non-blank without spaces, was ' '", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> TransactionalIds.of("rollout", "a b"));
  }
}
