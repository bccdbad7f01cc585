/** Training throughput harness (forward + backward + AdamW) and its PyTorch eager twin. */
package dev.grpo.bench.train;
