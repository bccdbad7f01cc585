package dev.grpo.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.grpo.rollout.app.RolloutService;
import org.junit.jupiter.api.Test;

/** The default worker id: stable across restarts (no process id), so restarts keep their ids. */
class WorkerIdTest {
  @Test
  void theDefaultWorkerIdIsHostAndIndex() {
    assertEquals("node-a-0", RolloutService.defaultWorkerId("node-a", 0));
    assertEquals("node-a-3", RolloutService.defaultWorkerId("node-a", 3));
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> RolloutService.defaultWorkerId("node-a", -1));
    assertEquals("grpo.rollout.worker-index must be >= 0, was -1", e.getMessage());
  }
}
