package dev.grpo.policy.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.grpo.policy.model.Scalars;

/**
 * The GRPO loss: a surrogate per token ({@link LossObjective}), on token or sequence ratios ({@link
 * ImportanceLevel}), times the off-policy correction weight, minus the k3 KL penalty, aggregated by
 * one of the {@link LossVariant}s. docs/algorithms.md has every option as a formula.
 *
 * <p>Per token: {@code r = exp(logp - oldLogp)} (GSPO: {@code exp(mean over the sequence)}); the
 * surrogate {@code s} is {@code min(min(r, delta) A, clip(r, 1 - epsLow, 1 + epsHigh) A)} (clip;
 * without delta when it is 0), {@code sg(min(r, 1 + epsHigh)) A logp} (CISPO) or {@code sigmoid(tau
 * (r - 1)) 4 / tau A} (SAPO); {@code term = w * keep * s - beta * k3} with {@code k3 = exp(ref -
 * logp) - (ref - logp) - 1}, {@code w} the {@link OffPolicyCorrection} weight (1 when off) and
 * {@code keep} the probability-gap mask (1 when off). The loss is minus the aggregated term over
 * the active tokens (completion tokens, less truncated completions with {@code maskTruncated}).
 *
 * <p>The importance weight multiplies the surrogate only, not the KL penalty, as TRL and verl do:
 * it corrects the advantage-weighted policy-gradient estimate for samples drawn by an older policy,
 * while the KL term is a regulariser of the current policy that needs no such correction.
 *
 * <p>Gradient: flows through {@code logp} only; {@code oldLogp}, {@code refLogp} and {@code
 * behaviourLogp}, the weight and the masks are constants (detached here). The min/clip follow
 * PyTorch's sub-gradients: where the clipped branch is strictly smaller, and r is outside the clip
 * range, the token contributes no surrogate gradient; with μ = 1 (r == 1 in value) the clip
 * gradient is {@code A * dlogp} per token.
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
    long active = Math.round(activeMask(in, cfg).sum().getFloat());
    return compute(in, cfg, new BatchTotals(b, active, (int) Math.max(1, t), 1));
  }

  /** The completion mask, with the rows of truncated completions zeroed when they are masked. */
  static NDArray activeMask(LossInputs in, LossConfig cfg) {
    NDArray mask = in.mask().toType(DataType.FLOAT32, false);
    if (cfg.maskTruncated() && in.truncated() != null) {
      NDArray kept = in.truncated().toType(DataType.FLOAT32, false).neg().add(1f);
      mask = mask.mul(kept.expandDims(1));
    }
    return mask;
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
    Shape shape = logp.getShape();
    NDArray completion = in.mask().toType(DataType.FLOAT32, false);
    NDArray mask = activeMask(in, cfg);
    NDArray old = in.oldLogp().stopGradient();
    NDArray adv = in.advantages().toType(DataType.FLOAT32, false).expandDims(1);
    NDArray tokensPerSeq = mask.sum(new int[] {1});

    NDArray ratio =
        switch (cfg.level()) {
          case TOKEN -> logp.sub(old).exp();
          case SEQUENCE ->
              logp.sub(old)
                  .mul(mask)
                  .sum(new int[] {1}, true)
                  .div(Scalars.maximum(tokensPerSeq, 1).expandDims(1))
                  .exp();
        };
    NDArray term = surrogate(ratio, adv, logp, cfg);

    NDArray weight = correctionWeight(in, cfg, old, mask);
    if (weight != null) {
      term = term.mul(weight);
    }
    NDArray keep = null;
    if (cfg.probGapEps() > 0) {
      NDArray behaviour = in.behaviourLogp() == null ? old : in.behaviourLogp().stopGradient();
      NDArray gap = logp.stopGradient().exp().sub(behaviour.exp()).abs();
      keep = gap.lte((float) cfg.probGapEps()).toType(DataType.FLOAT32, false);
      term = term.mul(keep);
    }
    double klSum = 0;
    if (in.refLogp() != null) {
      NDArray d = in.refLogp().stopGradient().sub(logp);
      NDArray k3 = Scalars.sub(d.exp().sub(d), 1);
      klSum = k3.stopGradient().mul(mask).sum().getFloat();
      if (cfg.beta() > 0) {
        term = term.sub(Scalars.mul(k3, cfg.beta()));
      }
    }
    NDArray masked = term.mul(mask);

    long active = Math.round(tokensPerSeq.sum().getFloat());
    NDArray aggregated =
        switch (cfg.variant()) {
          case GRPO ->
              Scalars.div(
                  masked.sum(new int[] {1}).div(Scalars.maximum(tokensPerSeq, 1)).sum(),
                  (float) totals.sequences());
          case BNPO ->
              Scalars.div(
                  Scalars.div(masked.sum(), (float) Math.max(1, active)),
                  (float) totals.microBatches());
          case DAPO -> Scalars.div(masked.sum(), (float) Math.max(1, totals.activeTokens()));
          case DR_GRPO ->
              Scalars.div(
                  masked.sum(),
                  (float) ((double) totals.sequences() * totals.maxCompletionLength()));
        };
    NDArray loss = aggregated.neg();
    long truncated = Math.round(completion.sum().getFloat()) - active;
    return statistics(loss, active, klSum, truncated, ratio, weight, keep, adv, mask, shape, cfg);
  }

  /** The per-token surrogate {@code s} of the chosen objective, [B, T] or [B, 1]. */
  private static NDArray surrogate(NDArray ratio, NDArray adv, NDArray logp, LossConfig cfg) {
    return switch (cfg.objective()) {
      case CLIP -> {
        NDArray clipped = ratio.clip(1.0 - cfg.epsLow(), 1.0 + cfg.epsHigh());
        NDArray unclipped = cfg.delta() > 0 ? Scalars.minimum(ratio, (float) cfg.delta()) : ratio;
        yield unclipped.mul(adv).minimum(clipped.mul(adv));
      }
      case CISPO -> ratio.stopGradient().minimum((float) (1.0 + cfg.epsHigh())).mul(adv).mul(logp);
      case SAPO -> {
        NDArray tau =
            adv.gt(0f)
                .toType(DataType.FLOAT32, false)
                .mul((float) (cfg.tauPos() - cfg.tauNeg()))
                .add((float) cfg.tauNeg());
        yield Scalars.mul(Activation.sigmoid(Scalars.sub(ratio, 1).mul(tau)), 4).div(tau).mul(adv);
      }
    };
  }

  /**
   * The off-policy correction weight (detached), [B, T] or [B, 1]; null when the correction is off
   * or no behaviour log-probs are given. The log weight is capped before exp so that a sequence's
   * product cannot overflow into inf (and inf x 0 into NaN).
   */
  private static NDArray correctionWeight(
      LossInputs in, LossConfig cfg, NDArray old, NDArray mask) {
    OffPolicyCorrection c = cfg.correction();
    if (!c.on() || in.behaviourLogp() == null) {
      return null;
    }
    NDArray logW = old.sub(in.behaviourLogp().stopGradient()).mul(mask);
    if (c.mode().perSequence()) {
      logW = logW.sum(new int[] {1}, true);
    }
    float logCap = (float) Math.log(c.cap());
    NDArray w = logW.minimum(logCap + 1f).exp();
    if (c.mode().masks()) {
      return w.mul(logW.lte(logCap).toType(DataType.FLOAT32, false));
    }
    return w.minimum((float) c.cap());
  }

  /** Clip, mask and weight statistics, on detached values copied out: metrics, not the graph. */
  private static LossResult statistics(
      NDArray loss,
      long active,
      double klSum,
      long truncated,
      NDArray ratio,
      NDArray weight,
      NDArray keep,
      NDArray adv,
      NDArray mask,
      Shape shape,
      LossConfig cfg) {
    int b = (int) shape.get(0);
    int t = (int) shape.get(1);
    float[] r = ratio.stopGradient().broadcast(shape).toFloatArray();
    float[] w = weight == null ? null : weight.broadcast(shape).toFloatArray();
    float[] k = keep == null ? null : keep.toFloatArray();
    float[] a = adv.toFloatArray();
    float[] m = mask.toFloatArray();
    float lo = (float) (1.0 - cfg.epsLow());
    float hi = (float) (1.0 + cfg.epsHigh());
    float delta = (float) cfg.delta();
    long low = 0;
    long high = 0;
    long atDelta = 0;
    long maskedTokens = 0;
    double wSum = 0;
    double wMin = Double.POSITIVE_INFINITY;
    double wMax = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < t; j++) {
        int x = i * t + j;
        if (m[x] == 0) {
          continue;
        }
        switch (cfg.objective()) {
          case CLIP -> {
            low += a[i] < 0 && r[x] < lo ? 1 : 0;
            high += a[i] > 0 && r[x] > hi ? 1 : 0;
            atDelta += delta > 0 && a[i] < 0 && r[x] > delta ? 1 : 0;
          }
          case CISPO -> high += r[x] > hi ? 1 : 0;
          case SAPO -> {}
        }
        double wx = w == null ? 1 : w[x];
        wSum += wx;
        wMin = Math.min(wMin, wx);
        wMax = Math.max(wMax, wx);
        boolean maskedByWeight = w != null && cfg.correction().mode().masks() && w[x] == 0;
        maskedTokens += maskedByWeight || (k != null && k[x] == 0) ? 1 : 0;
      }
    }
    return new LossResult(
        loss,
        loss.getFloat(),
        active,
        klSum,
        low,
        high,
        atDelta,
        maskedTokens,
        truncated,
        wSum,
        wMin,
        wMax);
  }
}
