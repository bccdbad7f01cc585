package dev.grpo.rollout.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class OffsetTrackerTest {
  @Test
  void commitsNeverPassARecordStillInFlight() {
    var t = new OffsetTracker<String>();
    t.taken("p0", 10);
    t.taken("p0", 11);
    t.taken("p0", 12);
    t.done("p0", 12); // a later dead letter finishes first
    assertEquals(Map.of("p0", 10L), t.takeCommittable());
    t.done("p0", 10);
    assertEquals(Map.of("p0", 11L), t.takeCommittable());
    assertEquals(Map.of(), t.takeCommittable(), "nothing moved");
    t.done("p0", 11);
    assertEquals(Map.of("p0", 13L), t.takeCommittable());
    assertEquals(0, t.inFlight());
  }

  @Test
  void forgottenPartitionsAreNotCommitted() {
    var t = new OffsetTracker<String>();
    t.taken("p0", 0);
    t.taken("p1", 5);
    t.forget("p1");
    t.done("p1", 5);
    t.done("p0", 0);
    assertEquals(Map.of("p0", 1L), t.takeCommittable());
  }
}
