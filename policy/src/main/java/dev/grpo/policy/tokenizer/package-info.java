/**
 * Tokenizers behind one interface, {@link dev.grpo.policy.tokenizer.Tokenizer}, with BOS, EOS and
 * pad ids explicit: {@link dev.grpo.policy.tokenizer.HfTokenizer} wraps a Hugging Face {@code
 * tokenizer.json} through DJL's bundled tokenizers library, {@link
 * dev.grpo.policy.tokenizer.CharTokenizer} is a built-in character tokenizer for small synthetic
 * tasks (it saves a Hugging Face-compatible {@code tokenizer.json}), and {@link
 * dev.grpo.policy.tokenizer.Tokenizers#load} picks the right one for a file.
 */
package dev.grpo.policy.tokenizer;
