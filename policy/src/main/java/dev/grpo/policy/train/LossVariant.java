package dev.grpo.policy.train;

/**
 * How the per-token GRPO terms are aggregated into one loss (DESIGN.md section 5).
 *
 * <p>With gradient accumulation the batch is split into micro-batches; each variant is defined on
 * the whole accumulated batch, and {@link GrpoLoss} scales each micro-batch's share so that the
 * accumulated gradient is the gradient of that whole-batch loss (see {@link BatchTotals}).
 */
public enum LossVariant {
  /** Mean over the tokens of each sequence, then mean over all sequences of the batch. */
  GRPO,
  /**
   * Sum over the active tokens of a micro-batch divided by that micro-batch's active tokens, then
   * mean over micro-batches (TRL's {@code bnpo}: the normaliser is local to the micro-batch).
   */
  BNPO,
  /** Sum over all active tokens divided by the active tokens of the whole accumulated batch. */
  DAPO,
  /**
   * Sum over all active tokens divided by (number of sequences x max completion length); used with
   * advantages that are not divided by the std (Dr. GRPO).
   */
  DR_GRPO;

  /** Parses {@code grpo}, {@code bnpo}, {@code dapo}, {@code dr_grpo} (any case, '-' or '_'). */
  public static LossVariant parse(String name) {
    if (name != null) {
      String n = name.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
      for (LossVariant v : values()) {
        if (v.name().equals(n)) {
          return v;
        }
      }
    }
    throw new IllegalArgumentException(
        "lossVariant must be one of grpo, bnpo, dapo, dr_grpo, was " + name);
  }
}
