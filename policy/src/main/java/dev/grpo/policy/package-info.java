/**
 * The GRPO policy runtime: a plain Java library on DJL 0.36 with the PyTorch engine (no Kafka, no
 * Quarkus) that the rollout and trainer services share. Its sub-packages hold the Llama-family
 * model ({@code model}), Hugging Face checkpoints ({@code checkpoint}), tokenizers ({@code
 * tokenizer}), batched KV-cache sampling with log-probs ({@code sampling}), the GRPO training math
 * and trainer ({@code train}) and the {@code policy} command-line tool ({@code cli}). Everything
 * runs offline ({@link dev.grpo.policy.model.DjlOffline}) and on the device the configuration
 * names.
 */
package dev.grpo.policy;
