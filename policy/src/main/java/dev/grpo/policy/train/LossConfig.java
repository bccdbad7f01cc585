package dev.grpo.policy.train;

/**
 * Parameters of the GRPO loss and of the advantages it is fed (docs/algorithms.md has each as a
 * formula, with its default and its name in TRL, verl and OpenRLHF).
 *
 * @param variant how per-token terms are aggregated
 * @param objective the surrogate: clipped ratio, CISPO or SAPO
 * @param level per-token ratios, or one per sequence (GSPO)
 * @param epsLow lower clip range: the ratio is clipped below at {@code 1 - epsLow}, in [0, 1)
 * @param epsHigh upper clip range: the ratio is clipped above at {@code 1 + epsHigh}, >= 0
 * @param beta coefficient of the k3 KL penalty to the reference model, >= 0 (0: no reference)
 * @param delta two-sided clipping (INTELLECT-2): the unclipped ratio is capped at delta, which must
 *     be &gt; 1 + epsHigh; 0 = off. Only for {@link LossObjective#CLIP}
 * @param tauPos SAPO temperature where the advantage is &gt; 0, &gt; 0
 * @param tauNeg SAPO temperature where the advantage is &lt;= 0, &gt; 0
 * @param correction the behaviour-versus-old-policy importance weight (was {@code tisCap})
 * @param probGapEps prime-rl's probability-gap mask: a token with {@code |p - p_behaviour| >
 *     probGapEps} contributes no surrogate, whatever the advantage's sign; 0 = off, else in (0, 1]
 * @param maskTruncated completions that stopped at the length limit contribute no loss and do not
 *     count in the normalisers
 * @param scale what the group-centred rewards are divided by
 * @param rewardAggregation how per-checker reward components become one advantage
 */
public record LossConfig(
    LossVariant variant,
    LossObjective objective,
    ImportanceLevel level,
    double epsLow,
    double epsHigh,
    double beta,
    double delta,
    double tauPos,
    double tauNeg,
    OffPolicyCorrection correction,
    double probGapEps,
    boolean maskTruncated,
    AdvantageScaling scale,
    RewardAggregation rewardAggregation) {

  /** SAPO's temperatures where none is given (TRL's sapo_temperature_pos / _neg). */
  public static final double DEFAULT_TAU_POS = 1.0;

  public static final double DEFAULT_TAU_NEG = 1.05;

  public LossConfig {
    requireSet(variant, "variant");
    requireSet(objective, "objective");
    requireSet(level, "importanceLevel");
    requireSet(correction, "correction");
    requireSet(scale, "scale");
    requireSet(rewardAggregation, "rewardAggregation");
    if (!(epsLow >= 0 && epsLow < 1)) {
      throw new IllegalArgumentException("epsLow must be in [0, 1), was " + epsLow);
    }
    if (!(epsHigh >= 0) || Double.isInfinite(epsHigh)) {
      throw new IllegalArgumentException("epsHigh must be finite and >= 0, was " + epsHigh);
    }
    if (!(beta >= 0) || Double.isInfinite(beta)) {
      throw new IllegalArgumentException("beta must be finite and >= 0, was " + beta);
    }
    if (!(delta == 0 || (delta > 1 + epsHigh && Double.isFinite(delta)))) {
      throw new IllegalArgumentException(
          "delta must be 0 (off) or finite and > 1 + epsHigh = "
              + (1 + epsHigh)
              + ", was "
              + delta);
    }
    if (delta != 0 && objective != LossObjective.CLIP) {
      throw new IllegalArgumentException(
          "delta applies to the clip objective only, objective was "
              + objective.name().toLowerCase(java.util.Locale.ROOT));
    }
    if (!(tauPos > 0) || Double.isInfinite(tauPos)) {
      throw new IllegalArgumentException("tauPos must be finite and > 0, was " + tauPos);
    }
    if (!(tauNeg > 0) || Double.isInfinite(tauNeg)) {
      throw new IllegalArgumentException("tauNeg must be finite and > 0, was " + tauNeg);
    }
    if (!(probGapEps >= 0 && probGapEps <= 1)) {
      throw new IllegalArgumentException(
          "probGapEps must be 0 (off) or in (0, 1], was " + probGapEps);
    }
  }

  /**
   * The loss before the options of issue 17: the clip objective on token ratios, {@code tisCap} as
   * {@code token_truncate} with that cap (0 = no correction), the scaling that goes with the
   * variant.
   */
  public LossConfig(
      LossVariant variant, double epsLow, double epsHigh, double beta, double tisCap) {
    this(
        variant,
        LossObjective.CLIP,
        ImportanceLevel.TOKEN,
        epsLow,
        epsHigh,
        beta,
        0,
        DEFAULT_TAU_POS,
        DEFAULT_TAU_NEG,
        tisCap == 0
            ? OffPolicyCorrection.NONE
            : new OffPolicyCorrection(OffPolicyCorrection.Mode.TOKEN_TRUNCATE, tisCap),
        0,
        false,
        AdvantageScaling.defaultFor(variant),
        RewardAggregation.SUM_THEN_NORMALIZE);
  }

  private static void requireSet(Object value, String name) {
    if (value == null) {
      throw new IllegalArgumentException(name + " must be set, was null");
    }
  }

  /** GRPO defaults: symmetric clip 0.2, no KL, no off-policy correction. */
  public static LossConfig defaults(LossVariant variant) {
    return new LossConfig(variant, 0.2, 0.2, 0.0, 0.0);
  }

  /** This config with another objective. */
  public LossConfig withObjective(LossObjective o) {
    return edit(b -> b.objective = o);
  }

  /** This config with another importance level. */
  public LossConfig withLevel(ImportanceLevel l) {
    return edit(b -> b.level = l);
  }

  /** This config with two-sided clipping at {@code d} (0 = off). */
  public LossConfig withDelta(double d) {
    return edit(b -> b.delta = d);
  }

  /** This config with SAPO temperatures. */
  public LossConfig withTau(double pos, double neg) {
    return edit(
        b -> {
          b.tauPos = pos;
          b.tauNeg = neg;
        });
  }

  /** This config with another off-policy correction. */
  public LossConfig withCorrection(OffPolicyCorrection c) {
    return edit(b -> b.correction = c);
  }

  /** This config with the probability-gap mask at {@code eps} (0 = off). */
  public LossConfig withProbGapEps(double eps) {
    return edit(b -> b.probGapEps = eps);
  }

  /** This config with truncated completions masked or not. */
  public LossConfig withMaskTruncated(boolean on) {
    return edit(b -> b.maskTruncated = on);
  }

  /** This config with other advantage scaling and reward aggregation. */
  public LossConfig withAdvantages(AdvantageScaling s, RewardAggregation a) {
    return edit(
        b -> {
          b.scale = s;
          b.rewardAggregation = a;
        });
  }

  /** A copy with the fields {@code change} sets, checked again by the constructor. */
  private LossConfig edit(java.util.function.Consumer<Fields> change) {
    Fields f = new Fields(this);
    change.accept(f);
    return f.build();
  }

  /** The components as mutable fields, for {@link #edit}. */
  private static final class Fields {
    LossVariant variant;
    LossObjective objective;
    ImportanceLevel level;
    double epsLow;
    double epsHigh;
    double beta;
    double delta;
    double tauPos;
    double tauNeg;
    OffPolicyCorrection correction;
    double probGapEps;
    boolean maskTruncated;
    AdvantageScaling scale;
    RewardAggregation rewardAggregation;

    Fields(LossConfig c) {
      variant = c.variant;
      objective = c.objective;
      level = c.level;
      epsLow = c.epsLow;
      epsHigh = c.epsHigh;
      beta = c.beta;
      delta = c.delta;
      tauPos = c.tauPos;
      tauNeg = c.tauNeg;
      correction = c.correction;
      probGapEps = c.probGapEps;
      maskTruncated = c.maskTruncated;
      scale = c.scale;
      rewardAggregation = c.rewardAggregation;
    }

    LossConfig build() {
      return new LossConfig(
          variant,
          objective,
          level,
          epsLow,
          epsHigh,
          beta,
          delta,
          tauPos,
          tauNeg,
          correction,
          probGapEps,
          maskTruncated,
          scale,
          rewardAggregation);
    }
  }

  /** Whether the loss reads behaviour log-probs (for the correction or the gap mask). */
  public boolean usesBehaviour() {
    return correction.on() || probGapEps > 0;
  }
}
