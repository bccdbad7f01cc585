package dev.grpo.trainer.run;

import static dev.grpo.trainer.run.RunRules.HEADS;
import static dev.grpo.trainer.run.RunRules.HIDDEN_SIZE;
import static dev.grpo.trainer.run.RunRules.INTERMEDIATE_SIZE;
import static dev.grpo.trainer.run.RunRules.KV_HEADS;
import static dev.grpo.trainer.run.RunRules.LAYERS;
import static dev.grpo.trainer.run.RunRules.MAX_POSITIONS;
import static dev.grpo.trainer.run.RunRules.TOKENIZER_TYPE;
import static dev.grpo.trainer.run.RunRules.VOCAB_SIZE;

import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.tokenizer.Tokenizer;
import dev.grpo.trainer.run.RunSpec.ModelSpec;
import dev.grpo.trainer.run.RunSpec.RandomInit;
import dev.grpo.trainer.run.RunSpec.TokenizerSpec;
import dev.grpo.trainer.run.RunSpec.TokenizerType;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The model part of {@link RunValidator}: where the initial policy and its tokenizer come from.
 * Every failure is an {@link InvalidRunConfigException} naming the {@code model.*} field.
 */
final class ModelValidator {
  private ModelValidator() {}

  /**
   * The complete model spec: exactly one source, a tokenizer that loads, a checkpoint config that
   * reads, a random-init config that is a valid Llama with room for the tokenizer's vocabulary.
   */
  static ModelSpec complete(RunRequest.ModelSpec m) {
    if (m == null) {
      throw new InvalidRunConfigException("model", "null", "be given (checkpoint or randomInit)");
    }
    if ((m.checkpoint() == null) == (m.randomInit() == null)) {
      throw new InvalidRunConfigException(
          "model",
          "checkpoint=" + m.checkpoint() + ", randomInit=" + m.randomInit(),
          "name exactly one of checkpoint and randomInit");
    }
    TokenizerSpec tok = m.tokenizer() == null ? null : tokenizer(m.tokenizer());
    if (m.checkpoint() != null) {
      return checkpointModel(m.checkpoint(), tok);
    }
    return randomInitModel(
        m.randomInit(), tok == null ? new TokenizerSpec(TokenizerType.CHAR, null, null) : tok);
  }

  private static TokenizerSpec tokenizer(RunRequest.TokenizerSpec tok) {
    TokenizerType type =
        TOKENIZER_TYPE.resolve(
            tok.type(), tok.path() != null ? TokenizerType.FILE : TokenizerType.CHAR);
    if (type == TokenizerType.CHAR) {
      if (tok.path() != null) {
        throw new InvalidRunConfigException(
            "model.tokenizer.path", "'" + tok.path() + "'", "be absent for type char");
      }
      if (tok.alphabet() != null && tok.alphabet().isEmpty()) {
        throw new InvalidRunConfigException(
            "model.tokenizer.alphabet", "''", "hold at least one character");
      }
    } else if (tok.path() == null
        || !Path.of(tok.path()).isAbsolute()
        || !Files.isRegularFile(Path.of(tok.path()))) {
      throw new InvalidRunConfigException(
          "model.tokenizer.path",
          "'" + tok.path() + "'",
          "be the absolute path of a tokenizer.json file");
    }
    return new TokenizerSpec(type, tok.alphabet(), tok.path());
  }

  private static ModelSpec checkpointModel(String checkpoint, TokenizerSpec tok) {
    Path dir = Path.of(checkpoint);
    if (!dir.isAbsolute() || !Files.isRegularFile(dir.resolve("config.json"))) {
      throw new InvalidRunConfigException(
          "model.checkpoint",
          "'" + checkpoint + "'",
          "be the absolute path of a Hugging Face checkpoint directory (with config.json)");
    }
    try {
      ModelConfig.read(dir.resolve("config.json"));
    } catch (IllegalArgumentException e) {
      throw new InvalidRunConfigException(
          "model.checkpoint",
          "'" + checkpoint + "'",
          "hold a supported config.json",
          "model.checkpoint: " + e.getMessage());
    }
    if (tok == null && !Files.isRegularFile(dir.resolve("tokenizer.json"))) {
      throw new InvalidRunConfigException(
          "model.tokenizer", "null", "be given when the checkpoint has no tokenizer.json");
    }
    return new ModelSpec(checkpoint, null, tok);
  }

  private static ModelSpec randomInitModel(RunRequest.RandomInit r, TokenizerSpec tok) {
    int tokVocab;
    try (Tokenizer t = RunResources.tokenizer(tok)) {
      tokVocab = t.vocabSize();
    } catch (IllegalArgumentException e) {
      throw new InvalidRunConfigException(
          "model.tokenizer", tok, "load", "model.tokenizer: " + e.getMessage());
    }
    RandomInit full =
        new RandomInit(
            VOCAB_SIZE.resolve(r.vocabSize(), tokVocab, tokVocab, VOCAB_SIZE.max()),
            HIDDEN_SIZE.resolve(r.hiddenSize()),
            INTERMEDIATE_SIZE.resolve(r.intermediateSize()),
            LAYERS.resolve(r.layers()),
            HEADS.resolve(r.heads()),
            KV_HEADS.resolve(r.kvHeads()),
            MAX_POSITIONS.resolve(r.maxPositions()));
    try {
      RunResources.modelConfig(full);
    } catch (IllegalArgumentException e) {
      throw new InvalidRunConfigException(
          "model.randomInit",
          full,
          "be a valid Llama config",
          "model.randomInit: " + e.getMessage());
    }
    return new ModelSpec(null, full, tok);
  }
}
