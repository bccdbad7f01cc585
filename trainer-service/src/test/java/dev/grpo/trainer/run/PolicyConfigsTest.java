package dev.grpo.trainer.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.policy.train.LossVariant;
import dev.grpo.policy.train.LrSchedule;
import dev.grpo.trainer.tasks.PromptDataset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The policy module's configs come from the run spec, field for field. */
class PolicyConfigsTest {

  private static RunSpec spec() {
    var r = TestRuns.tiny(10, 1);
    TestRuns.sub(r, "loss")
        .putAll(
            java.util.Map.of(
                "variant", "dapo", "epsLow", 0.1, "epsHigh", 0.28, "beta", 0.04, "tisCap", 3.0,
                "mu", 2));
    TestRuns.sub(r, "optimizer")
        .putAll(
            java.util.Map.of(
                "beta1",
                0.8,
                "beta2",
                0.95,
                "epsilon",
                1e-6,
                "weightDecay",
                0.01,
                "maxGradNorm",
                0.5,
                "warmupSteps",
                4,
                "schedule",
                "cosine",
                "minLrRatio",
                0.1));
    TestRuns.sub(r, "sampling")
        .putAll(java.util.Map.of("temperature", 0.7, "topP", 0.9, "topK", 5));
    return TestRuns.spec(r);
  }

  @Test
  void theTrainerConfigIsTheSpecsLossAndOptimizer() {
    var c = PolicyConfigs.trainer(spec());
    assertThat(c.loss().variant()).isEqualTo(LossVariant.DAPO);
    assertThat(c.loss().epsLow()).isEqualTo(0.1);
    assertThat(c.loss().epsHigh()).isEqualTo(0.28);
    assertThat(c.loss().beta()).isEqualTo(0.04);
    assertThat(c.loss().correction().cap()).isEqualTo(3.0);
    assertThat(c.mu()).isEqualTo(2);
    assertThat(c.microBatchSize()).isEqualTo(8);
    assertThat(c.temperature()).as("log-probs at the sampling temperature").isEqualTo(0.7);
    assertThat(c.maxCompletionLength()).isEqualTo(4);
    var o = c.optimizer();
    assertThat(o.learningRate()).isEqualTo(0.01);
    assertThat(o.beta1()).isEqualTo(0.8);
    assertThat(o.beta2()).isEqualTo(0.95);
    assertThat(o.epsilon()).isEqualTo(1e-6);
    assertThat(o.weightDecay()).isEqualTo(0.01);
    assertThat(o.maxGradNorm()).isEqualTo(0.5);
    assertThat(o.warmupSteps()).isEqualTo(4);
    assertThat(o.schedule()).isEqualTo(LrSchedule.COSINE);
    assertThat(o.totalSteps()).as("steps x mu optimizer updates").isEqualTo(20);
    assertThat(o.minLrRatio()).isEqualTo(0.1);
  }

  @Test
  void eachGroupSamplesWithTheRunsParametersAndASeedOfItsOwn() {
    var spec = spec();
    var p = PolicyConfigs.promptSampling(spec, 5);
    assertThat(p.temperature()).isEqualTo(0.7);
    assertThat(p.topP()).isEqualTo(0.9);
    assertThat(p.topK()).isEqualTo(5);
    assertThat(p.maxNewTokens()).isEqualTo(4);
    assertThat(p.stopStrings()).isEmpty();
    assertThat(p.seed()).isEqualTo(PromptDataset.mix(11 ^ 0x5EEDL, 5));
    assertThat(PolicyConfigs.promptSampling(spec, 6).seed()).isNotEqualTo(p.seed());
  }

  @Test
  void evaluationIsGreedyOrSamplesWithTheEvalSeed() {
    var greedy = PolicyConfigs.evalSampling(spec());
    assertThat(greedy.temperature()).isZero();
    assertThat(greedy.maxNewTokens()).isEqualTo(4);
    var r = TestRuns.tiny(10, 1);
    TestRuns.sub(r, "eval").putAll(java.util.Map.of("greedy", false, "seed", 9));
    var sampled = PolicyConfigs.evalSampling(TestRuns.spec(r));
    assertThat(sampled.temperature()).isEqualTo(1.0);
    assertThat(sampled.seed()).isEqualTo(9);
    assertThat(sampled.stopTokenIds()).isEqualTo(List.of());
  }
}
