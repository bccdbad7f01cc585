package dev.grpo.policy.train;

/**
 * Configuration of {@link GrpoTrainer}.
 *
 * @param loss loss variant, clip ranges, KL coefficient beta (0: no reference model is loaded) and
 *     truncated-importance cap (0: off)
 * @param mu inner iterations (optimizer updates) per batch, >= 1; with mu = 1 the ratio is 1 in
 *     value and no extra old-policy pass is made
 * @param microBatchSize completions per forward/backward pass, >= 1; peak activation memory depends
 *     on it, not on the batch size
 * @param temperature sampling temperature T > 0; training log-probs use logits / T
 * @param maxCompletionLength Dr. GRPO's L in {@code G x L}: the generation limit; 0 = the longest
 *     completion of the batch
 * @param optimizer AdamW hyper-parameters, gradient clipping and learning-rate schedule
 */
public record GrpoTrainerConfig(
    LossConfig loss,
    int mu,
    int microBatchSize,
    double temperature,
    int maxCompletionLength,
    AdamWConfig optimizer) {

  public GrpoTrainerConfig {
    if (loss == null) {
      throw new IllegalArgumentException("loss must be set, was null");
    }
    if (optimizer == null) {
      throw new IllegalArgumentException("optimizer must be set, was null");
    }
    if (mu < 1) {
      throw new IllegalArgumentException("mu must be >= 1, was " + mu);
    }
    if (microBatchSize < 1) {
      throw new IllegalArgumentException("microBatchSize must be >= 1, was " + microBatchSize);
    }
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature must be finite and > 0, was " + temperature);
    }
    if (maxCompletionLength < 0) {
      throw new IllegalArgumentException(
          "maxCompletionLength must be >= 0 (0 = longest in batch), was " + maxCompletionLength);
    }
  }
}
