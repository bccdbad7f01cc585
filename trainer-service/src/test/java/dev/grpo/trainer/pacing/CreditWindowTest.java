package dev.grpo.trainer.pacing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CreditWindowTest {

  @Test
  void capacityIsGroupsPerStepTimesStalenessPlusOne() {
    assertThat(new CreditWindow(4, 0).capacity()).isEqualTo(4);
    assertThat(new CreditWindow(4, 2).capacity()).isEqualTo(12);
    assertThatThrownBy(() -> new CreditWindow(0, 1))
        .hasMessage("groupsPerStep must be >= 1, was 0");
    assertThatThrownBy(() -> new CreditWindow(1, -1))
        .hasMessage("maxStaleness must be >= 0, was -1");
  }

  @Test
  void issuingBeyondTheWindowOrTwiceIsRefused() {
    var w = new CreditWindow(2, 0);
    w.issue("a");
    w.issue("b");
    assertThat(w.credits()).isZero();
    assertThatThrownBy(() -> w.issue("c"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no credit");
    assertThat(w.trained("a")).isTrue();
    assertThat(w.trained("a")).as("a duplicate delivery frees nothing").isFalse();
    assertThat(w.credits()).isEqualTo(1);
    assertThatThrownBy(() -> w.issue("a")).hasMessageContaining("already issued");
    w.issue("c");
    assertThat(w.dropped("b")).isTrue();
    assertThat(w.credits()).isEqualTo(1);
  }

  /**
   * A simulated run with random arrival order, dynamic-sampling drops and replacements: the
   * in-flight count never exceeds the window, no id is issued twice, and every issued group ends
   * trained or dropped.
   */
  @Test
  void randomizedRunKeepsTheInvariants() {
    for (long seed = 0; seed < 50; seed++) {
      var rng = new SplittableRandom(seed);
      int perStep = 1 + rng.nextInt(4);
      int staleness = rng.nextInt(3);
      var w = new CreditWindow(perStep, staleness);
      var issued = new HashSet<String>();
      var inFlight = new ArrayDeque<String>();
      long next = 0;
      int steps = 0;
      int buffered = 0;
      var trained = new HashSet<String>();
      var dropped = new HashSet<String>();
      var bufferIds = new ArrayDeque<String>();
      while (steps < 20) {
        while (w.credits() > 0) {
          String id = "g" + next++;
          w.issue(id);
          assertThat(issued.add(id)).isTrue();
          inFlight.add(id);
        }
        assertThat(w.inFlight()).isLessThanOrEqualTo(w.capacity());
        // Some group arrives: a third have no signal and are dropped (a replacement follows next
        // loop).
        if (!inFlight.isEmpty()) {
          var list = List.copyOf(inFlight);
          String id = list.get(rng.nextInt(list.size()));
          inFlight.remove(id);
          if (rng.nextInt(3) == 0) {
            assertThat(w.dropped(id)).isTrue();
            dropped.add(id);
          } else {
            bufferIds.add(id);
            buffered++;
          }
        }
        if (buffered >= perStep) {
          for (int i = 0; i < perStep; i++) {
            String id = bufferIds.poll();
            assertThat(w.trained(id)).isTrue();
            trained.add(id);
          }
          buffered -= perStep;
          steps++;
        }
      }
      assertThat(trained).doesNotContainAnyElementsOf(dropped);
      var accounted = new HashSet<String>(trained);
      accounted.addAll(dropped);
      accounted.addAll(inFlight);
      accounted.addAll(bufferIds);
      assertThat(accounted).isEqualTo(issued);
      assertThat(w.inFlight()).isEqualTo(inFlight.size() + bufferIds.size());
    }
  }

  @Test
  void restoreRebuildsInFlightAndForbidsReissue() {
    var w = new CreditWindow(2, 1);
    w.restore(List.of("g5", "g6", "g7"), List.of("g1", "g2"));
    assertThat(w.inFlight()).isEqualTo(3);
    assertThat(w.credits()).isEqualTo(1);
    assertThatThrownBy(() -> w.issue("g1")).hasMessageContaining("already issued");
    assertThatThrownBy(() -> w.issue("g6")).hasMessageContaining("already issued");
  }

  @Test
  void aRestoreBeyondTheCapacityIssuesNothingUntilTheGroupsDrainBelowIt() {
    // Groups trained after the checkpoint are in flight again after the rollback, next to the ones
    // issued after them: more than the window holds, for as long as it takes to retrain them.
    var w = new CreditWindow(1, 0);
    w.restore(List.of("a", "b"), List.of());
    assertThat(w.inFlight()).isEqualTo(2);
    assertThat(w.credits()).isEqualTo(-1);
    assertThatThrownBy(() -> w.issue("c")).hasMessageContaining("no credit left");
    w.trained("a");
    assertThat(w.credits()).isZero();
    w.trained("b");
    assertThat(w.credits()).isEqualTo(1);
    w.issue("c");
  }
}
