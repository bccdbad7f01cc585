package dev.grpo.policy.checkpoint;

import dev.grpo.policy.model.LlamaModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.tokenizer.Tokenizer;

/**
 * A checkpoint loaded from a Hugging Face directory. Closing it closes the model (and a native
 * tokenizer).
 *
 * @param config the model configuration from config.json
 * @param model the model, on the requested device
 * @param tokenizer the tokenizer from tokenizer.json; null only from {@link
 *     HfCheckpoint#loadForTokenIds} on a checkpoint without one
 */
public record LoadedCheckpoint(ModelConfig config, LlamaModel model, Tokenizer tokenizer)
    implements AutoCloseable {
  @Override
  public void close() {
    model.close();
    if (tokenizer != null) {
      tokenizer.close();
    }
  }
}
