package dev.grpo.policy.train;

/**
 * The importance weight that corrects for completions sampled by the rollout workers' policy
 * (behaviour) rather than by the trainer's old policy: {@code rho = pi_old / pi_behaviour}, per
 * token or per sequence (product over its tokens), then truncated ({@code min(rho, cap)}) or masked
 * ({@code 0 where rho > cap}). It multiplies the surrogate, never the KL term; it is a constant of
 * the gradient. This is the one setting for the correction: the former {@code tisCap} is {@code
 * token_truncate} with that cap.
 *
 * @param mode how the weight is formed; {@link Mode#NONE} switches the correction off
 * @param cap the cap C, &gt;= 1 when the correction is on (a cap below 1 would shrink on-policy
 *     samples)
 */
public record OffPolicyCorrection(Mode mode, double cap) {

  /** Default cap C, as verl's rollout importance-sampling threshold. */
  public static final double DEFAULT_CAP = 2.0;

  /** No correction. */
  public static final OffPolicyCorrection NONE = new OffPolicyCorrection(Mode.NONE, DEFAULT_CAP);

  /** The weight's form. */
  public enum Mode {
    NONE,
    TOKEN_TRUNCATE,
    TOKEN_MASK,
    SEQUENCE_TRUNCATE,
    SEQUENCE_MASK;

    /** Parses {@code none}, {@code token_truncate}, ... (any case). */
    public static Mode parse(String name) {
      return Choices.parse(Mode.class, "correction", name);
    }

    /** Whether the weight is one per sequence (the product of its token ratios). */
    public boolean perSequence() {
      return this == SEQUENCE_TRUNCATE || this == SEQUENCE_MASK;
    }

    /** Whether weights above the cap become 0 (else they are truncated to the cap). */
    public boolean masks() {
      return this == TOKEN_MASK || this == SEQUENCE_MASK;
    }
  }

  public OffPolicyCorrection {
    if (mode == null) {
      throw new IllegalArgumentException("correction mode must be set, was null");
    }
    if (mode != Mode.NONE && !(cap >= 1 && Double.isFinite(cap))) {
      throw new IllegalArgumentException(
          "correction cap must be finite and >= 1 (a cap below 1 shrinks on-policy samples), was "
              + cap);
    }
  }

  /** Whether a weight is applied. */
  public boolean on() {
    return mode != Mode.NONE;
  }

  /** The default: {@code token_truncate} with cap 2 when groups may be stale, else none. */
  public static OffPolicyCorrection defaultFor(int maxStaleness) {
    return maxStaleness >= 1 ? new OffPolicyCorrection(Mode.TOKEN_TRUNCATE, DEFAULT_CAP) : NONE;
  }
}
