package dev.grpo.trainer.run;

import dev.grpo.contracts.SamplingParams;
import dev.grpo.policy.sampling.SamplingConfig;
import dev.grpo.policy.train.AdamWConfig;
import dev.grpo.policy.train.GrpoTrainerConfig;
import dev.grpo.policy.train.LossConfig;
import dev.grpo.policy.train.OffPolicyCorrection;
import dev.grpo.trainer.tasks.PromptDataset;
import java.util.List;

/**
 * The one place where a {@link RunSpec} becomes the configs of the policy module and the contract:
 * the trainer's loss and optimizer, the sampling parameters sent with every prompt, and the
 * sampling of the held-out evaluation.
 */
public final class PolicyConfigs {
  /** Salt of the per-group sampling seeds, so they differ from the prompt stream's draws. */
  static final long SAMPLING_SEED_SALT = 0x5EEDL;

  private PolicyConfigs() {}

  /** The GRPO trainer's configuration: loss, μ, micro-batches, temperature, AdamW. */
  public static GrpoTrainerConfig trainer(RunSpec spec) {
    var l = spec.loss();
    var o = spec.optimizer();
    var loss =
        new LossConfig(
            l.variant(),
            l.objective(),
            l.importanceLevel(),
            l.epsLow(),
            l.epsHigh(),
            l.beta(),
            l.delta(),
            l.tauPos(),
            l.tauNeg(),
            new OffPolicyCorrection(l.correction(), l.tisCap()),
            l.probGapEps(),
            l.maskTruncated(),
            l.scale(),
            l.rewardAggregation());
    int totalOptimizerSteps = spec.steps() * l.mu();
    var adam =
        new AdamWConfig(
            o.learningRate(),
            o.beta1(),
            o.beta2(),
            o.epsilon(),
            o.weightDecay(),
            o.maxGradNorm(),
            o.warmupSteps(),
            o.schedule(),
            totalOptimizerSteps,
            o.minLrRatio());
    return new GrpoTrainerConfig(
        loss,
        l.mu(),
        l.microBatchSize(),
        spec.sampling().temperature(),
        spec.sampling().maxNewTokens(),
        adam);
  }

  /**
   * The sampling parameters of the group issued for {@code promptIndex}: the run's sampling with a
   * seed of its own, so that the group can be regenerated from its task alone.
   */
  public static SamplingParams promptSampling(RunSpec spec, long promptIndex) {
    var s = spec.sampling();
    long seed = PromptDataset.mix(spec.seed() ^ SAMPLING_SEED_SALT, promptIndex);
    return new SamplingParams(
        s.temperature(), s.topP(), s.topK(), s.maxNewTokens(), List.of(), seed);
  }

  /** The held-out evaluation's sampling: greedy, or the run's sampling with the eval seed. */
  public static SamplingConfig evalSampling(RunSpec spec) {
    var s = spec.sampling();
    if (spec.eval().greedy()) {
      return SamplingConfig.greedy(s.maxNewTokens());
    }
    return new SamplingConfig(
        s.temperature(),
        s.topP(),
        s.topK(),
        s.maxNewTokens(),
        List.of(),
        List.of(),
        spec.eval().seed());
  }
}
