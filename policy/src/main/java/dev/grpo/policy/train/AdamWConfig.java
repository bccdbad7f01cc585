package dev.grpo.policy.train;

/**
 * AdamW hyper-parameters and learning-rate schedule.
 *
 * <p>Learning rate at 0-based optimizer step {@code s}: during warmup ({@code s < warmupSteps})
 * {@code lr x (s + 1) / warmupSteps}, so the very first update is already non-zero (Hugging Face's
 * scheduler starts at exactly 0, which wastes a step); afterwards {@code lr} ({@link
 * LrSchedule#CONSTANT}) or a half cosine from {@code lr} at the end of warmup to {@code lr x
 * minLrRatio} at {@code totalSteps}, and {@code lr x minLrRatio} beyond ({@link
 * LrSchedule#COSINE}).
 *
 * @param learningRate peak learning rate, > 0
 * @param beta1 first-moment decay, in [0, 1)
 * @param beta2 second-moment decay, in [0, 1)
 * @param epsilon added to the root of the second moment, > 0
 * @param weightDecay decoupled weight decay, >= 0; applied to matrices (rank >= 2) only, so norm
 *     weights and biases are not decayed (as the Hugging Face Trainer does)
 * @param maxGradNorm global gradient-norm clip threshold over all parameters, 0 = no clipping
 * @param warmupSteps optimizer steps of linear warmup, >= 0
 * @param schedule shape after warmup
 * @param totalSteps length of the cosine schedule in optimizer steps (ignored for CONSTANT)
 * @param minLrRatio floor of the cosine as a fraction of the peak, in [0, 1]
 */
public record AdamWConfig(
    double learningRate,
    double beta1,
    double beta2,
    double epsilon,
    double weightDecay,
    double maxGradNorm,
    int warmupSteps,
    LrSchedule schedule,
    int totalSteps,
    double minLrRatio) {

  public AdamWConfig {
    if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException(
          "learningRate must be finite and > 0, was " + learningRate);
    }
    if (!(beta1 >= 0 && beta1 < 1)) {
      throw new IllegalArgumentException("beta1 must be in [0, 1), was " + beta1);
    }
    if (!(beta2 >= 0 && beta2 < 1)) {
      throw new IllegalArgumentException("beta2 must be in [0, 1), was " + beta2);
    }
    if (!(epsilon > 0)) {
      throw new IllegalArgumentException("epsilon must be > 0, was " + epsilon);
    }
    if (!(weightDecay >= 0)) {
      throw new IllegalArgumentException("weightDecay must be >= 0, was " + weightDecay);
    }
    if (!(maxGradNorm >= 0)) {
      throw new IllegalArgumentException(
          "maxGradNorm must be >= 0 (0 = no clipping), was " + maxGradNorm);
    }
    if (warmupSteps < 0) {
      throw new IllegalArgumentException("warmupSteps must be >= 0, was " + warmupSteps);
    }
    if (schedule == null) {
      throw new IllegalArgumentException("schedule must be CONSTANT or COSINE, was null");
    }
    if (schedule == LrSchedule.COSINE && totalSteps <= warmupSteps) {
      throw new IllegalArgumentException(
          "totalSteps must be > warmupSteps ("
              + warmupSteps
              + ") for a cosine schedule, was "
              + totalSteps);
    }
    if (!(minLrRatio >= 0 && minLrRatio <= 1)) {
      throw new IllegalArgumentException("minLrRatio must be in [0, 1], was " + minLrRatio);
    }
  }

  /** Common GRPO settings: betas (0.9, 0.99), eps 1e-8, no decay, clip 1.0, constant, no warmup. */
  public static AdamWConfig constant(double learningRate) {
    return new AdamWConfig(learningRate, 0.9, 0.99, 1e-8, 0.0, 1.0, 0, LrSchedule.CONSTANT, 0, 0);
  }

  /** Learning rate of the 0-based optimizer step {@code step}. */
  public double learningRateAt(long step) {
    if (step < warmupSteps) {
      return learningRate * (step + 1) / warmupSteps;
    }
    if (schedule == LrSchedule.CONSTANT) {
      return learningRate;
    }
    double progress = Math.min(1.0, (double) (step - warmupSteps) / (totalSteps - warmupSteps));
    double floor = learningRate * minLrRatio;
    return floor + (learningRate - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
  }
}
