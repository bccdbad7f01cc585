package dev.grpo.rollout.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RolloutMetricsTest {
  @Test
  void theHeldTasksGaugeSurvivesGarbageCollection() throws Exception {
    var registry = new SimpleMeterRegistry();
    var held = new AtomicInteger(7);
    new RolloutMetrics(registry, "w", 4, held::get);
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(20);
    }
    assertEquals(7.0, registry.get("grpo.rollout.tasks.held").gauge().value());
  }
}
