package dev.grpo.trainer.service;

import ai.djl.Device;
import dev.grpo.policy.checkpoint.HfCheckpoint;
import dev.grpo.policy.checkpoint.LoadedCheckpoint;
import dev.grpo.policy.model.LlamaModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.tokenizer.PromptEncoding;
import dev.grpo.policy.tokenizer.Tokenizer;
import dev.grpo.trainer.run.RunResources;
import dev.grpo.trainer.run.RunSpec;
import java.nio.file.Path;

/**
 * The policy of a run in this process: the model being trained, its tokenizer and, when the loss
 * has a KL term, a frozen copy of the initial policy. Owns and closes all three.
 */
final class RunPolicy implements AutoCloseable {
  private final LlamaModel model;
  private final Tokenizer tokenizer;
  private final LlamaModel reference;

  private RunPolicy(LoadedCheckpoint loaded, LlamaModel reference) {
    this.model = loaded.model();
    this.tokenizer = loaded.tokenizer();
    this.reference = reference;
  }

  /** The initial policy of a new run; the reference is a frozen copy of it. */
  static RunPolicy initial(RunSpec spec, Device device) {
    LoadedCheckpoint loaded = RunResources.initialPolicy(spec, device);
    return new RunPolicy(loaded, spec.loss().beta() > 0 ? loaded.model().copyFrozen() : null);
  }

  /**
   * The policy saved in {@code dir}; the reference is the one saved in {@code initialDir} (version
   * 0), or none when null.
   */
  static RunPolicy fromCheckpoint(Path dir, Path initialDir, Device device) {
    LoadedCheckpoint loaded = HfCheckpoint.load(dir, device);
    LlamaModel reference = null;
    if (initialDir != null) {
      LoadedCheckpoint initial = HfCheckpoint.load(initialDir, device);
      try {
        reference = initial.model().copyFrozen();
      } finally {
        initial.model().close();
        initial.tokenizer().close();
      }
    }
    return new RunPolicy(loaded, reference);
  }

  LlamaModel model() {
    return model;
  }

  ModelConfig config() {
    return model.config();
  }

  Tokenizer tokenizer() {
    return tokenizer;
  }

  /** The frozen reference of the KL term, or null without one. */
  LlamaModel reference() {
    return reference;
  }

  /** The token ids the policy sees for {@code prompt} (see {@link PromptEncoding#withBos}). */
  int[] promptTokens(String prompt) {
    return PromptEncoding.withBos(tokenizer, prompt);
  }

  @Override
  public void close() {
    model.close();
    if (reference != null) {
      reference.close();
    }
    tokenizer.close();
  }
}
