package dev.grpo.policy.train;

/**
 * What one GRPO step did. Loss, KL, clip fractions and entropy are averaged over the μ inner
 * iterations and over active (completion) tokens; gradient norm and learning rate are those of the
 * last applied optimizer update of the step.
 *
 * @param step 1-based count of GRPO steps taken by this trainer (after this one)
 * @param optimizerSteps AdamW updates applied so far (μ per GRPO step, fewer if any was skipped)
 * @param loss the aggregated GRPO loss
 * @param kl mean k3 KL estimate to the reference model per active token (0 when beta = 0: no
 *     reference model is loaded)
 * @param clipFracLow fraction of active tokens with A &lt; 0 and r &lt; 1 - epsLow
 * @param clipFracHigh fraction of active tokens with A &gt; 0 and r &gt; 1 + epsHigh
 * @param entropy mean entropy of the tempered next-token distribution per active token (nats)
 * @param gradNorm global gradient norm before clipping, of the last applied update (of the last
 *     update when all μ were skipped)
 * @param learningRate learning rate of that update
 * @param tokens active completion tokens in the batch
 * @param sequences completions in the batch
 * @param groups groups in the batch
 * @param zeroStdGroups groups whose rewards were all equal (no learning signal)
 * @param rewardMean mean reward over all completions
 * @param rewardStd unbiased std of the rewards over all completions
 * @param skippedUpdates optimizer updates skipped because the gradient norm was not finite
 * @param forwardBackwardMillis wall time of log-prob passes, forward and backward
 * @param optimizerMillis wall time of the AdamW updates
 * @param clipFracDelta fraction of active tokens where two-sided clipping binds (A &lt; 0, r &gt;
 *     delta)
 * @param maskedFrac fraction of active tokens whose surrogate the correction's mask mode or the
 *     probability-gap mask removed
 * @param truncatedTokens completion tokens left out by {@code maskTruncated} (per inner iteration)
 * @param isWeightMean mean off-policy correction weight over active tokens (1 when off)
 * @param isWeightMin smallest correction weight over active tokens (1 when none is active)
 * @param isWeightMax largest correction weight over active tokens (1 when none is active)
 */
public record StepMetrics(
    long step,
    long optimizerSteps,
    double loss,
    double kl,
    double clipFracLow,
    double clipFracHigh,
    double entropy,
    double gradNorm,
    double learningRate,
    long tokens,
    int sequences,
    int groups,
    int zeroStdGroups,
    double rewardMean,
    double rewardStd,
    int skippedUpdates,
    long forwardBackwardMillis,
    long optimizerMillis,
    double clipFracDelta,
    double maskedFrac,
    long truncatedTokens,
    double isWeightMean,
    double isWeightMin,
    double isWeightMax) {}
