/**
 * Batched autoregressive generation with a KV cache: {@link dev.grpo.policy.sampling.Sampler} turns
 * prompts into {@link dev.grpo.policy.sampling.Generation}s (token ids, the log-prob of each
 * sampled token under the distribution actually sampled from, decoded text and a {@link
 * dev.grpo.policy.sampling.FinishReason}) as configured by {@link
 * dev.grpo.policy.sampling.SamplingConfig} (temperature, top-k, top-p, max new tokens, stop tokens
 * and strings, seed). The model runs on its device; temperature, truncation and the seeded draw run
 * in Java on the copied last-position logits, so a seed reproduces a run on any device, and
 * autograd is off for the whole call.
 */
package dev.grpo.policy.sampling;
