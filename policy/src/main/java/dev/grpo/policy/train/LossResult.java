package dev.grpo.policy.train;

import ai.djl.ndarray.NDArray;

/**
 * The loss of one micro-batch and the statistics needed to report whole-batch metrics. The counts
 * and sums are plain numbers so they can be added across micro-batches.
 *
 * @param loss scalar float32 loss that carries the gradient; this micro-batch's share of the
 *     whole-batch loss (sum the shares over micro-batches)
 * @param lossValue {@code loss} as a number
 * @param activeTokens completion tokens in this micro-batch (mask sum)
 * @param klSum sum over active tokens of k3 (0 when there is no reference log-prob)
 * @param clipLowCount active tokens with A &lt; 0 and r &lt; 1 - epsLow
 * @param clipHighCount active tokens with A &gt; 0 and r &gt; 1 + epsHigh
 */
public record LossResult(
    NDArray loss,
    double lossValue,
    long activeTokens,
    double klSum,
    long clipLowCount,
    long clipHighCount) {}
