package dev.grpo.rollout.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.grpo.contracts.CheckerSpec;
import dev.grpo.contracts.PolicyRef;
import dev.grpo.contracts.PromptTask;
import dev.grpo.contracts.RewardSpec;
import dev.grpo.contracts.SamplingParams;
import dev.grpo.contracts.SourceRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TaskQueueTest {
  private static int offset;

  private static HeldTask held(String run, double temperature, int g) {
    var t =
        new PromptTask(
            1,
            run,
            "g" + offset,
            "p",
            "x",
            g,
            new SamplingParams(temperature, 1, 0, 8, List.of(), offset),
            new RewardSpec(List.of(new CheckerSpec("exact_match", 1, Map.of()))),
            Map.of(),
            0,
            new PolicyRef(0, null, null),
            Instant.now());
    return new HeldTask(new SourceRecord("t", 0, offset++, null, null), t, 0);
  }

  @Test
  void batchesCompatibleTasksInOrderAndLeavesTheRest() throws Exception {
    var q = new TaskQueue();
    HeldTask a = held("r1", 1.0, 4);
    HeldTask b = held("r2", 1.0, 4); // other run
    HeldTask c = held("r1", 0.5, 4); // other temperature
    HeldTask d = held("r1", 1.0, 4); // different seed only: compatible
    HeldTask e = held("r1", 1.0, 4);
    for (HeldTask t : List.of(a, b, c, d, e)) {
      q.add(t);
    }
    assertEquals(List.of(a, d), q.takeBatch(2, 100, 0, 0), "capped at 2 tasks");
    assertEquals(List.of(b), q.takeBatch(4, 100, 0, 0));
    assertEquals(List.of(c), q.takeBatch(4, 100, 0, 0));
    assertEquals(List.of(e), q.takeBatch(4, 100, 0, 0));
    assertEquals(List.of(), q.takeBatch(4, 100, 10, 0));
  }

  @Test
  void rowsCapLimitsTheBatchButTheOldestTaskAlwaysRuns() throws Exception {
    var q = new TaskQueue();
    HeldTask big = held("r", 1.0, 16);
    HeldTask small = held("r", 1.0, 2);
    q.add(big);
    q.add(small);
    assertEquals(List.of(big), q.takeBatch(8, 8, 0, 0));
    assertEquals(List.of(small), q.takeBatch(8, 8, 0, 0));
  }

  @Test
  void pollFirstIfTakesTheOldestTaskOnlyWhenItQualifies() {
    var q = new TaskQueue();
    HeldTask a = held("r1", 1.0, 4);
    HeldTask b = held("r2", 1.0, 4);
    q.add(a);
    q.add(b);
    assertEquals(null, q.pollFirstIf(t -> t.task().runId().equals("r2")), "r2 does not overtake");
    assertEquals(a, q.pollFirstIf(t -> true));
    assertEquals(b, q.pollFirstIf(t -> true));
    assertEquals(null, q.pollFirstIf(t -> true));
  }
}
