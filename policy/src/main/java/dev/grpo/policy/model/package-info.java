/**
 * The Llama-family causal language model (Hugging Face {@code LlamaForCausalLM} and {@code
 * Qwen2ForCausalLM}) on raw DJL NDArrays: {@link dev.grpo.policy.model.ModelConfig} reads and
 * validates {@code config.json}, {@link dev.grpo.policy.model.LlamaModel} holds the float32
 * parameters under Hugging Face tensor names and runs the causal forward pass (left padding via
 * mask-derived positions), {@link dev.grpo.policy.model.KvCache} carries keys and values between
 * incremental decoding steps, and {@link dev.grpo.policy.model.Devices} turns a configured device
 * name ({@code cpu}, {@code gpu}, {@code gpu:1}) into a DJL device. Process-wide engine settings:
 * {@link dev.grpo.policy.model.DjlOffline} (never reach the network) and {@link
 * dev.grpo.policy.model.TorchThreads} (libtorch's thread pools).
 */
package dev.grpo.policy.model;
