package dev.grpo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class StallsTest {
  private static final Instant T0 = Instant.parse("2026-12-01T12:00:00Z");

  private static Instant at(long millis) {
    return T0.plusMillis(millis);
  }

  @Test
  void theStallRunsFromTheKillToTheNextStepOfTheRunWhateverItsNumber() {
    var steps =
        List.of(
            new Stalls.Step("r", 1, at(1_000)),
            new Stalls.Step("other", 9, at(2_500)),
            new Stalls.Step("r", 2, at(2_000)),
            new Stalls.Step("r", 2, at(9_000)), // repeated after a trainer restart
            new Stalls.Step("r", 3, at(10_000)));
    var kills =
        List.of(
            new Stalls.Kill("trainer-service", at(2_100), Duration.ofSeconds(3)),
            new Stalls.Kill("broker", at(9_500), Duration.ofSeconds(3)));
    var stalls = Stalls.of(kills, steps, "r");
    assertThat(stalls).hasSize(2);
    assertThat(stalls.get(0).stall()).isEqualTo(Duration.ofMillis(6_900));
    assertThat(stalls.get(0).nextStep()).isEqualTo(2);
    assertThat(stalls.get(1).stall()).isEqualTo(Duration.ofMillis(500));
    // After the trainer kill the run moved at 9 s, then paused 1 s: the longest gap is the stall.
    assertThat(stalls.get(0).longestGap())
        .as("up to the next kill")
        .isEqualTo(Duration.ofMillis(6_900));
    assertThat(stalls.get(1).longestGap()).isEqualTo(Duration.ofMillis(500));
    assertThat(Stalls.longest(stalls)).isEqualTo(Duration.ofMillis(6_900));
  }

  @Test
  void theLongestGapSeesAStallThatCameAfterTheFirstStep() {
    // The trainer had groups buffered: its next step came at once, then nothing for 12 s.
    var steps =
        List.of(
            new Stalls.Step("r", 1, at(100)),
            new Stalls.Step("r", 2, at(300)),
            new Stalls.Step("r", 3, at(12_300)),
            new Stalls.Step("r", 4, at(12_600)),
            new Stalls.Step("r", 5, at(90_000)));
    var s =
        Stalls.of(
                List.of(new Stalls.Kill("rollout-service", at(0), Duration.ofSeconds(3))),
                steps,
                "r")
            .get(0);
    assertThat(s.stall()).isEqualTo(Duration.ofMillis(100));
    // Step 5 lies past the window: the quiet end of a run is not a stall of this kill.
    assertThat(s.longestGap()).isEqualTo(Duration.ofMillis(12_000));
    assertThat(Stalls.worst(List.of(s))).isEqualTo(Duration.ofMillis(12_000));
  }

  @Test
  void aKillWithNoStepAfterItNeverRecovered() {
    var stalls =
        Stalls.of(
            List.of(new Stalls.Kill("reward-service", at(5_000), Duration.ofSeconds(3))),
            List.of(new Stalls.Step("r", 1, at(1_000))),
            "r");
    assertThat(stalls.get(0).recovered()).isFalse();
    assertThat(stalls.get(0).nextStep()).isEqualTo(-1);
    assertThat(Stalls.longest(stalls)).isEqualTo(Duration.ZERO);
  }

  @Test
  void theMedianIntervalIsThePaceBetweenConsecutiveSteps() {
    var steps =
        List.of(
            new Stalls.Step("r", 0, at(0)),
            new Stalls.Step("r", 1, at(1_000)),
            new Stalls.Step("r", 2, at(2_000)),
            new Stalls.Step("r", 3, at(30_000)),
            new Stalls.Step("r", 4, at(31_000)));
    assertThat(Stalls.medianStepInterval(steps, "r")).isEqualTo(Duration.ofSeconds(1));
    assertThat(Stalls.medianStepInterval(List.of(), "r")).isEqualTo(Duration.ZERO);
  }
}
