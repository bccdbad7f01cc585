package dev.grpo.policy.train;

/** Shape of the learning rate after the linear warmup. */
public enum LrSchedule {
  /** Stays at the peak learning rate. */
  CONSTANT,
  /** Half a cosine from the peak down to {@code peak x minLrRatio} at {@code totalSteps}. */
  COSINE
}
