package dev.grpo.policy.train;

/** What the group-centred rewards are divided by (TRL's scale_rewards). */
public enum AdvantageScaling {
  /** The group's std: {@code (R - mean_g) / (std_g + 1e-4)} (GRPO). */
  GROUP,
  /** The std of all rewards of the batch: {@code (R - mean_g) / (std_batch + 1e-4)}. */
  BATCH,
  /** Nothing: {@code R - mean_g} (Dr. GRPO). */
  NONE;

  /** Parses {@code group}, {@code batch}, {@code none} (any case). */
  public static AdvantageScaling parse(String name) {
    return Choices.parse(AdvantageScaling.class, "scale", name);
  }

  /** The scaling that goes with {@code variant} when none is chosen: none for Dr. GRPO. */
  public static AdvantageScaling defaultFor(LossVariant variant) {
    return variant == LossVariant.DR_GRPO ? NONE : GROUP;
  }
}
