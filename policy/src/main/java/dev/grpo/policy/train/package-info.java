/**
 * GRPO training math on DJL: group advantages, per-token log-probs of completions, the clipped
 * surrogate loss and its aggregation variants, AdamW with global gradient-norm clipping and a
 * learning-rate schedule, and {@link dev.grpo.policy.train.GrpoTrainer}, which runs one GRPO step
 * (μ inner iterations, gradient accumulation over micro-batches) and reports {@link
 * dev.grpo.policy.train.StepMetrics}.
 */
package dev.grpo.policy.train;
