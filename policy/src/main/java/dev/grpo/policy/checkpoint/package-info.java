/**
 * Checkpoints in Hugging Face layout: {@link dev.grpo.policy.checkpoint.SafeTensors} reads
 * (memory-mapped, F32/F16/BF16 widened to float32, sharded index files) and writes {@code
 * .safetensors} files, and {@link dev.grpo.policy.checkpoint.HfCheckpoint} saves a whole checkpoint
 * directory atomically ({@code config.json}, {@code model.safetensors}, {@code tokenizer.json} and
 * extra files such as optimizer state), loads it back as a {@link
 * dev.grpo.policy.checkpoint.LoadedCheckpoint}, and computes the stable SHA-256 digest that
 * identifies a policy version.
 */
package dev.grpo.policy.checkpoint;
