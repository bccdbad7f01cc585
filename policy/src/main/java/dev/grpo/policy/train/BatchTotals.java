package dev.grpo.policy.train;

/**
 * Sizes of the whole accumulated batch, which the loss of one micro-batch needs so that the sum of
 * the micro-batch losses equals the whole-batch loss of the chosen {@link LossVariant}.
 *
 * @param sequences completions in the whole batch (GRPO and Dr. GRPO denominators)
 * @param activeTokens completion tokens in the whole batch (DAPO denominator)
 * @param maxCompletionLength the "max completion length" of Dr. GRPO's {@code G x L} denominator
 * @param microBatches number of micro-batches the batch is split into (BNPO averages over them)
 */
public record BatchTotals(
    long sequences, long activeTokens, int maxCompletionLength, int microBatches) {

  public BatchTotals {
    if (sequences < 1) {
      throw new IllegalArgumentException("sequences must be >= 1, was " + sequences);
    }
    if (activeTokens < 0) {
      throw new IllegalArgumentException("activeTokens must be >= 0, was " + activeTokens);
    }
    if (maxCompletionLength < 1) {
      throw new IllegalArgumentException(
          "maxCompletionLength must be >= 1, was " + maxCompletionLength);
    }
    if (microBatches < 1) {
      throw new IllegalArgumentException("microBatches must be >= 1, was " + microBatches);
    }
  }
}
