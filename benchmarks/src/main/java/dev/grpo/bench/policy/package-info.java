/**
 * Sampling throughput harness of the policy runtime (KV-cache decoding, tokens/s), run beside its
 * PyTorch eager twin; see docs/benchmarks.md.
 */
package dev.grpo.bench.policy;
