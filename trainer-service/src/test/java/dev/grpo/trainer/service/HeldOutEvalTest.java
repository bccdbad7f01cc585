package dev.grpo.trainer.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.trainer.run.RunSpec;
import dev.grpo.trainer.run.TestRuns;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class HeldOutEvalTest {

  private static RunSpec spec(int steps, int every) {
    var r = TestRuns.tiny(steps, 1);
    TestRuns.sub(r, "eval").put("every", every);
    return TestRuns.spec(r);
  }

  @Test
  void evaluatesAtStepZeroEveryNStepsAndAtTheLastStep() {
    var s = spec(7, 3);
    assertThat(IntStream.rangeClosed(0, 7).filter(i -> HeldOutEval.due(s, i, true)))
        .containsExactly(0, 3, 6, 7);
  }

  @Test
  void neverWithoutAnIntervalOrWithoutHeldOutPrompts() {
    assertThat(IntStream.rangeClosed(0, 4).filter(i -> HeldOutEval.due(spec(4, 0), i, true)))
        .isEmpty();
    assertThat(IntStream.rangeClosed(0, 4).filter(i -> HeldOutEval.due(spec(4, 2), i, false)))
        .isEmpty();
  }
}
