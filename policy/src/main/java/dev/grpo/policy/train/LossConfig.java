package dev.grpo.policy.train;

/**
 * Parameters of the GRPO loss.
 *
 * @param variant how per-token terms are aggregated
 * @param epsLow lower clip range: the ratio is clipped below at {@code 1 - epsLow}, in [0, 1)
 * @param epsHigh upper clip range: the ratio is clipped above at {@code 1 + epsHigh}, >= 0
 * @param beta coefficient of the k3 KL penalty to the reference model, >= 0 (0: no reference)
 * @param tisCap cap C of the truncated importance weight {@code min(pi_old / pi_behaviour, C)}; 0
 *     switches truncated importance sampling off
 */
public record LossConfig(
    LossVariant variant, double epsLow, double epsHigh, double beta, double tisCap) {

  public LossConfig {
    if (variant == null) {
      throw new IllegalArgumentException("variant must be set, was null");
    }
    if (!(epsLow >= 0 && epsLow < 1)) {
      throw new IllegalArgumentException("epsLow must be in [0, 1), was " + epsLow);
    }
    if (!(epsHigh >= 0) || Double.isInfinite(epsHigh)) {
      throw new IllegalArgumentException("epsHigh must be finite and >= 0, was " + epsHigh);
    }
    if (!(beta >= 0) || Double.isInfinite(beta)) {
      throw new IllegalArgumentException("beta must be finite and >= 0, was " + beta);
    }
    if (!(tisCap >= 0) || Double.isInfinite(tisCap)) {
      throw new IllegalArgumentException("tisCap must be finite and >= 0 (0 = off), was " + tisCap);
    }
  }

  /** GRPO defaults: symmetric clip 0.2, no KL, no truncated importance sampling. */
  public static LossConfig defaults(LossVariant variant) {
    return new LossConfig(variant, 0.2, 0.2, 0.0, 0.0);
  }
}
