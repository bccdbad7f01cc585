package dev.grpo.trainer.run;

import ai.djl.Device;
import dev.grpo.policy.checkpoint.HfCheckpoint;
import dev.grpo.policy.checkpoint.LoadedCheckpoint;
import dev.grpo.policy.model.LlamaModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.tokenizer.CharTokenizer;
import dev.grpo.policy.tokenizer.Tokenizer;
import dev.grpo.policy.tokenizer.Tokenizers;
import dev.grpo.trainer.run.RunSpec.ModelSpec;
import dev.grpo.trainer.run.RunSpec.RandomInit;
import dev.grpo.trainer.run.RunSpec.TokenizerSpec;
import dev.grpo.trainer.run.RunSpec.TokenizerType;
import dev.grpo.trainer.tasks.GeneratedDataset;
import dev.grpo.trainer.tasks.JsonlDataset;
import dev.grpo.trainer.tasks.PromptDataset;
import dev.grpo.trainer.tasks.TaskGenerators;
import java.nio.file.Path;

/** Builds the runtime objects of a run from its {@link RunSpec}. */
public final class RunResources {
  private RunResources() {}

  /** The run's tokenizer: the spec's, or (when it names none) the checkpoint's own. */
  public static Tokenizer tokenizer(ModelSpec m) {
    if (m.tokenizer() == null) {
      return Tokenizers.load(Path.of(m.checkpoint()).resolve(HfCheckpoint.TOKENIZER_FILE));
    }
    return tokenizer(m.tokenizer());
  }

  /** {@code char} with the given alphabet (else printable ASCII), or a tokenizer.json file. */
  public static Tokenizer tokenizer(TokenizerSpec t) {
    if (t.type() == TokenizerType.FILE) {
      return Tokenizers.load(Path.of(t.path()));
    }
    return t.alphabet() == null ? CharTokenizer.printableAscii() : new CharTokenizer(t.alphabet());
  }

  /** A Llama config for random init; special ids are the char tokenizer's (BOS 1, EOS 2). */
  public static ModelConfig modelConfig(RandomInit r) {
    return ModelConfig.llama(
        r.vocabSize(),
        r.hiddenSize(),
        r.intermediateSize(),
        r.layers(),
        r.heads(),
        r.kvHeads(),
        r.maxPositions());
  }

  /** The initial policy (model + tokenizer) of a run. The caller owns both. */
  public static LoadedCheckpoint initialPolicy(RunSpec spec, Device device) {
    ModelSpec m = spec.model();
    if (m.checkpoint() != null) {
      LoadedCheckpoint ck = HfCheckpoint.load(Path.of(m.checkpoint()), device);
      if (m.tokenizer() == null) {
        return ck;
      }
      Tokenizer t = tokenizer(m.tokenizer());
      Tokenizers.checkFits(t, ck.config());
      ck.tokenizer().close();
      return new LoadedCheckpoint(ck.config(), ck.model(), t);
    }
    Tokenizer t = tokenizer(m.tokenizer());
    ModelConfig cfg = modelConfig(m.randomInit()).withSpecialTokens(t.bosId(), t.eosId());
    Tokenizers.checkFits(t, cfg);
    return new LoadedCheckpoint(cfg, LlamaModel.randomInit(cfg, device, spec.seed()), t);
  }

  /** The run's prompts. */
  public static PromptDataset dataset(RunSpec spec, TaskGenerators generators) {
    var ds = spec.dataset();
    if (ds.generator() != null) {
      var g =
          generators
              .find(ds.generator())
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "dataset.generator " + ds.generator() + " is not known here"));
      return new GeneratedDataset(g, ds.params(), spec.seed(), spec.eval().size());
    }
    return new JsonlDataset(Path.of(ds.jsonlPath()), spec.seed(), spec.eval().size());
  }
}
