package dev.grpo.policy.train;

/**
 * The per-token surrogate that multiplies the advantage (docs/algorithms.md gives the formulas).
 */
public enum LossObjective {
  /** PPO's clipped ratio {@code min(r A, clip(r, 1 - epsLow, 1 + epsHigh) A)} (GRPO, DAPO...). */
  CLIP,
  /**
   * CISPO (MiniMax-M1): {@code sg(min(r, 1 + epsHigh)) A logp}; the clipped weight is detached, so
   * every token keeps a gradient.
   */
  CISPO,
  /**
   * SAPO: the soft gate {@code sigmoid(tau (r - 1)) 4 / tau A}, with {@code tau = tauPos} where A
   * &gt; 0 and {@code tauNeg} elsewhere.
   */
  SAPO;

  /** Parses {@code clip}, {@code cispo}, {@code sapo} (any case). */
  public static LossObjective parse(String name) {
    return Choices.parse(LossObjective.class, "objective", name);
  }
}
