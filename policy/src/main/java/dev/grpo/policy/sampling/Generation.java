package dev.grpo.policy.sampling;

/**
 * One completion.
 *
 * @param tokenIds the sampled completion tokens (prompt excluded), including a final stop/EOS token
 * @param logProbs per token, the natural log of the probability the sampled token had under the
 *     distribution it was actually drawn from: softmax(logits / temperature) restricted to the
 *     top-k and then top-p set and renormalised. With temperature 1, topP 1 and topK 0 this is
 *     exactly log_softmax(logits)[token]. With greedy decoding (temperature 0) it is
 *     log_softmax(logits)[token] of the untempered logits (the point mass actually used would
 *     always give 0).
 * @param text the decoded completion without special tokens, cut before a stop string
 * @param finishReason STOP or LENGTH
 */
public record Generation(
    int[] tokenIds, float[] logProbs, String text, FinishReason finishReason) {}
