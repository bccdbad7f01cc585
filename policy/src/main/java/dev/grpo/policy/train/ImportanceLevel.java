package dev.grpo.policy.train;

/** Where the policy ratio {@code r = pi / pi_old} is taken (TRL's importance_sampling_level). */
public enum ImportanceLevel {
  /** One ratio per token: {@code r_t = exp(logp_t - oldLogp_t)}. */
  TOKEN,
  /**
   * GSPO: one ratio per sequence, the geometric mean of its token ratios {@code r = exp(mean_t
   * (logp_t - oldLogp_t))}, clipped per sequence.
   */
  SEQUENCE;

  /** Parses {@code token}, {@code sequence} (any case). */
  public static ImportanceLevel parse(String name) {
    return Choices.parse(ImportanceLevel.class, "importanceLevel", name);
  }
}
