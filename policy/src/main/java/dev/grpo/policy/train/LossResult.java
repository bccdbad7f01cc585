package dev.grpo.policy.train;

import ai.djl.ndarray.NDArray;

/**
 * The loss of one micro-batch and the statistics needed to report whole-batch metrics. The counts
 * and sums are plain numbers so they can be added across micro-batches ({@link #plus}). Tokens
 * counted are the active ones: completion tokens not masked as truncated.
 *
 * @param loss scalar float32 loss that carries the gradient; this micro-batch's share of the
 *     whole-batch loss (sum the shares over micro-batches)
 * @param lossValue {@code loss} as a number
 * @param activeTokens completion tokens in this micro-batch (mask sum, less truncated completions
 *     when they are masked)
 * @param klSum sum over active tokens of k3 (0 when there is no reference log-prob)
 * @param clipLowCount active tokens clipped below: A &lt; 0 and r &lt; 1 - epsLow (clip objective)
 * @param clipHighCount active tokens clipped above: A &gt; 0 and r &gt; 1 + epsHigh (clip); r &gt;
 *     1 + epsHigh whatever A (CISPO's truncated weight); 0 for SAPO
 * @param clipDeltaCount active tokens where two-sided clipping binds: A &lt; 0 and r &gt; delta
 * @param maskedCount active tokens whose surrogate is masked: correction weight 0 (mask modes) or
 *     probability gap above eps
 * @param truncatedTokens completion tokens of truncated completions left out ({@code
 *     maskTruncated})
 * @param isWeightSum sum over active tokens of the correction weight (1 per token when off)
 * @param isWeightMin smallest correction weight over active tokens (+inf when none)
 * @param isWeightMax largest correction weight over active tokens (-inf when none)
 */
public record LossResult(
    NDArray loss,
    double lossValue,
    long activeTokens,
    double klSum,
    long clipLowCount,
    long clipHighCount,
    long clipDeltaCount,
    long maskedCount,
    long truncatedTokens,
    double isWeightSum,
    double isWeightMin,
    double isWeightMax) {

  /** The statistics of this and {@code o} together (the loss array is this one's). */
  public LossResult plus(LossResult o) {
    return new LossResult(
        loss,
        lossValue + o.lossValue,
        activeTokens + o.activeTokens,
        klSum + o.klSum,
        clipLowCount + o.clipLowCount,
        clipHighCount + o.clipHighCount,
        clipDeltaCount + o.clipDeltaCount,
        maskedCount + o.maskedCount,
        truncatedTokens + o.truncatedTokens,
        isWeightSum + o.isWeightSum,
        Math.min(isWeightMin, o.isWeightMin),
        Math.max(isWeightMax, o.isWeightMax));
  }
}
