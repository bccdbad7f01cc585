package dev.grpo.trainer.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.trainer.console.Throughput.StepPoint;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ThroughputTest {
  private static StepPoint at(long seconds, long tokens) {
    return new StepPoint(Instant.ofEpochSecond(seconds), tokens);
  }

  @Test
  void tokensOfTheLastStepsOverTheTimeSinceTheStepBeforeThem() {
    var steps = List.of(at(0, 1_000), at(2, 100), at(4, 100), at(6, 100));
    // window 2: steps at 4 and 6 (200 tokens) over 6 - 2 = 4 s
    assertThat(Throughput.tokensPerSecond(steps, 2)).isEqualTo(50.0);
    // a window larger than the history uses all but the first step
    assertThat(Throughput.tokensPerSecond(steps, 10)).isEqualTo(50.0);
  }

  @Test
  void zeroWithoutTwoSteps() {
    assertThat(Throughput.tokensPerSecond(List.of(at(0, 5)), 5)).isZero();
    assertThat(Throughput.tokensPerSecond(List.of(at(3, 5), at(3, 5)), 5)).isZero();
  }
}
