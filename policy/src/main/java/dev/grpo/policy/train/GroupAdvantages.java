package dev.grpo.policy.train;

/**
 * Group-relative advantages: each completion's reward compared with the other completions of the
 * same prompt.
 *
 * <p>{@code A_i = (R_i - mean R) / (std R + eps)} with the <em>unbiased</em> sample standard
 * deviation (divisor {@code G - 1}) and {@code eps = 1e-4}, as TRL, verl and OpenRLHF compute it;
 * Dr. GRPO drops the division by the std ({@code A_i = R_i - mean R}). A group whose rewards are
 * all equal gets all-zero advantages (it carries no learning signal).
 */
public final class GroupAdvantages {

  /** Added to the std so that near-constant groups do not blow up the advantages. */
  public static final double STD_EPS = 1e-4;

  private GroupAdvantages() {}

  /**
   * Advantages of one group.
   *
   * @param rewards the group's rewards, at least 2, all finite
   * @param scaleByStd {@code true} for GRPO ({@code /(std + eps)}), {@code false} for Dr. GRPO
   * @return one advantage per reward, in the same order
   */
  public static double[] compute(double[] rewards, boolean scaleByStd) {
    if (rewards == null || rewards.length < 2) {
      throw new IllegalArgumentException(
          "rewards must hold at least 2 values (a group), was "
              + (rewards == null ? "null" : rewards.length));
    }
    double sum = 0;
    for (int i = 0; i < rewards.length; i++) {
      if (!Double.isFinite(rewards[i])) {
        throw new IllegalArgumentException("rewards[" + i + "] must be finite, was " + rewards[i]);
      }
      sum += rewards[i];
    }
    double[] adv = new double[rewards.length];
    if (isConstant(rewards)) {
      // Exactly zero, not a rounding residue of sum / n: such groups must read as "no signal".
      return adv;
    }
    double mean = sum / rewards.length;
    double sq = 0;
    for (double r : rewards) {
      sq += (r - mean) * (r - mean);
    }
    double std = Math.sqrt(sq / (rewards.length - 1));
    for (int i = 0; i < rewards.length; i++) {
      adv[i] = scaleByStd ? (rewards[i] - mean) / (std + STD_EPS) : rewards[i] - mean;
    }
    return adv;
  }

  /** Whether all rewards of the group are equal (a zero-std group, no learning signal). */
  public static boolean isConstant(double[] rewards) {
    for (double r : rewards) {
      if (r != rewards[0]) {
        return false;
      }
    }
    return true;
  }

  /** The unbiased sample standard deviation of a group's rewards (0 for a constant group). */
  public static double std(double[] rewards) {
    double mean = 0;
    for (double r : rewards) {
      mean += r;
    }
    mean /= rewards.length;
    double sq = 0;
    for (double r : rewards) {
      sq += (r - mean) * (r - mean);
    }
    return rewards.length < 2 ? 0 : Math.sqrt(sq / (rewards.length - 1));
  }
}
