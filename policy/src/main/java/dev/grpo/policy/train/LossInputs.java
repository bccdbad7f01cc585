package dev.grpo.policy.train;

import ai.djl.ndarray.NDArray;

/**
 * Per-token inputs of the GRPO loss for one (micro-)batch of B completions padded to T tokens. All
 * [B, T] arrays are float32 and must be finite also at padded positions (the mask zeroes them, and
 * 0 x NaN would still be NaN).
 *
 * @param logp log-probs of the completion tokens under the policy being trained (carries the
 *     gradient)
 * @param oldLogp log-probs under the policy at the start of this step, no gradient
 * @param refLogp log-probs under the frozen reference model; null when beta = 0
 * @param behaviourLogp log-probs the rollout worker recorded when sampling; null when truncated
 *     importance sampling is off
 * @param advantages [B] advantage of each completion
 * @param mask [B, T] 1 for a completion token, 0 for padding
 * @param truncated [B] 1 for a completion that stopped at the length limit, else 0; null when
 *     unknown (then none is truncated). Read only when {@link LossConfig#maskTruncated()} is on
 */
public record LossInputs(
    NDArray logp,
    NDArray oldLogp,
    NDArray refLogp,
    NDArray behaviourLogp,
    NDArray advantages,
    NDArray mask,
    NDArray truncated) {

  /** Inputs without truncation flags. */
  public LossInputs(
      NDArray logp,
      NDArray oldLogp,
      NDArray refLogp,
      NDArray behaviourLogp,
      NDArray advantages,
      NDArray mask) {
    this(logp, oldLogp, refLogp, behaviourLogp, advantages, mask, null);
  }

  public LossInputs {
    require(logp, "logp");
    require(oldLogp, "oldLogp");
    require(advantages, "advantages");
    require(mask, "mask");
    var shape = logp.getShape();
    if (shape.dimension() != 2) {
      throw new IllegalArgumentException("logp must have shape [B, T], was " + shape);
    }
    sameShape(oldLogp, "oldLogp", logp);
    sameShape(mask, "mask", logp);
    if (refLogp != null) {
      sameShape(refLogp, "refLogp", logp);
    }
    if (behaviourLogp != null) {
      sameShape(behaviourLogp, "behaviourLogp", logp);
    }
    if (advantages.getShape().dimension() != 1 || advantages.getShape().get(0) != shape.get(0)) {
      throw new IllegalArgumentException(
          "advantages must have shape [" + shape.get(0) + "], was " + advantages.getShape());
    }
    if (truncated != null && !truncated.getShape().equals(advantages.getShape())) {
      throw new IllegalArgumentException(
          "truncated must have shape [" + shape.get(0) + "], was " + truncated.getShape());
    }
  }

  private static void require(NDArray a, String name) {
    if (a == null) {
      throw new IllegalArgumentException(name + " must be set, was null");
    }
  }

  private static void sameShape(NDArray a, String name, NDArray logp) {
    if (!a.getShape().equals(logp.getShape())) {
      throw new IllegalArgumentException(
          name + " must have the shape of logp " + logp.getShape() + ", was " + a.getShape());
    }
  }
}
