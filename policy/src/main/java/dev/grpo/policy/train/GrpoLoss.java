package dev.grpo.policy.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * The GRPO clipped-surrogate loss with asymmetric clipping, the k3 KL penalty and truncated
 * importance weights, aggregated by one of the {@link LossVariant}s.
 *
 * <p>Per token: {@code r = exp(logp - oldLogp)}, {@code term = w * min(r A, clip(r, 1 - epsLow, 1 +
 * epsHigh) A) - beta * k3}, with {@code k3 = exp(ref - logp) - (ref - logp) - 1} and, when
 * truncated importance sampling is on, {@code w = min(exp(oldLogp - behaviourLogp), C)} (else
 * {@code w = 1}). The loss is minus the aggregated term.
 *
 * <p>The importance weight multiplies the surrogate only, not the KL penalty, as verl does: it
 * corrects the advantage-weighted policy-gradient estimate for samples drawn by an older policy,
 * while the KL term is a regulariser of the current policy that needs no such correction.
 *
 * <p>Gradient: flows through {@code logp} only; {@code oldLogp}, {@code refLogp} and {@code
 * behaviourLogp} are treated as constants (they are detached here). The min/clip follow PyTorch's
 * sub-gradients: where the clipped branch is strictly smaller, and r is outside the clip range, the
 * token contributes no surrogate gradient; with μ = 1 (r == 1 in value) the gradient is {@code A *
 * dlogp} per token.
 */
public final class GrpoLoss {

  private GrpoLoss() {}

  /**
   * The loss of a batch that is not split into micro-batches: totals are taken from the inputs (Dr.
   * GRPO's max completion length is the padded length T).
   */
  public static LossResult compute(LossInputs in, LossConfig cfg) {
    long b = in.logp().getShape().get(0);
    long t = in.logp().getShape().get(1);
    long active = Math.round(in.mask().toType(DataType.FLOAT32, false).sum().getFloat());
    return compute(in, cfg, new BatchTotals(b, active, (int) Math.max(1, t), 1));
  }

  /**
   * This micro-batch's share of the whole-batch loss.
   *
   * @param in per-token inputs of the micro-batch
   * @param cfg loss parameters
   * @param totals sizes of the whole accumulated batch
   */
  public static LossResult compute(LossInputs in, LossConfig cfg, BatchTotals totals) {
    if (cfg.beta() > 0 && in.refLogp() == null) {
      throw new IllegalArgumentException(
          "refLogp must be given when beta > 0, beta was " + cfg.beta());
    }
    NDArray logp = in.logp();
    NDArray mask = in.mask().toType(DataType.FLOAT32, false);
    NDArray old = in.oldLogp().stopGradient();
    NDArray adv = in.advantages().toType(DataType.FLOAT32, false).expandDims(1);

    NDArray ratio = logp.sub(old).exp();
    NDArray clipped = ratio.clip(1.0 - cfg.epsLow(), 1.0 + cfg.epsHigh());
    NDArray term = ratio.mul(adv).minimum(clipped.mul(adv));
    if (cfg.tisCap() > 0 && in.behaviourLogp() != null) {
      NDArray w = old.sub(in.behaviourLogp().stopGradient()).exp().minimum(cfg.tisCap());
      term = term.mul(w);
    }
    double klSum = 0;
    if (in.refLogp() != null) {
      NDArray d = in.refLogp().stopGradient().sub(logp);
      NDArray k3 = d.exp().sub(d).sub(1.0);
      klSum = k3.stopGradient().mul(mask).sum().getFloat();
      if (cfg.beta() > 0) {
        term = term.sub(k3.mul(cfg.beta()));
      }
    }
    NDArray masked = term.mul(mask);

    NDArray tokensPerSeq = mask.sum(new int[] {1});
    long active = Math.round(tokensPerSeq.sum().getFloat());
    NDArray aggregated =
        switch (cfg.variant()) {
          case GRPO ->
              masked
                  .sum(new int[] {1})
                  .div(tokensPerSeq.maximum(1f))
                  .sum()
                  .div((float) totals.sequences());
          case BNPO ->
              masked.sum().div((float) Math.max(1, active)).div((float) totals.microBatches());
          case DAPO -> masked.sum().div((float) Math.max(1, totals.activeTokens()));
          case DR_GRPO ->
              masked
                  .sum()
                  .div((float) ((double) totals.sequences() * totals.maxCompletionLength()));
        };
    NDArray loss = aggregated.neg();

    // Clip statistics on detached values: they are metrics, not part of the graph.
    NDArray r = ratio.stopGradient();
    NDArray lowMask =
        adv.lt(0f)
            .logicalAnd(r.lt((float) (1.0 - cfg.epsLow())))
            .toType(DataType.FLOAT32, false)
            .mul(mask);
    NDArray highMask =
        adv.gt(0f)
            .logicalAnd(r.gt((float) (1.0 + cfg.epsHigh())))
            .toType(DataType.FLOAT32, false)
            .mul(mask);
    long clipLow = Math.round(lowMask.sum().getFloat());
    long clipHigh = Math.round(highMask.sum().getFloat());
    return new LossResult(loss, loss.getFloat(), active, klSum, clipLow, clipHigh);
  }
}
