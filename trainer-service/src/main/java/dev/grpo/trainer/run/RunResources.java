package dev.grpo.trainer.run;

import ai.djl.Device;
import dev.grpo.contracts.SamplingParams;
import dev.grpo.policy.checkpoint.HfCheckpoint;
import dev.grpo.policy.checkpoint.LoadedCheckpoint;
import dev.grpo.policy.model.LlamaModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.tokenizer.CharTokenizer;
import dev.grpo.policy.tokenizer.Tokenizer;
import dev.grpo.policy.tokenizer.Tokenizers;
import dev.grpo.policy.train.AdamWConfig;
import dev.grpo.policy.train.GrpoTrainerConfig;
import dev.grpo.policy.train.LossConfig;
import dev.grpo.trainer.run.RunConfig.ModelSpec;
import dev.grpo.trainer.run.RunConfig.RandomInit;
import dev.grpo.trainer.tasks.GeneratedDataset;
import dev.grpo.trainer.tasks.JsonlDataset;
import dev.grpo.trainer.tasks.PromptDataset;
import dev.grpo.trainer.tasks.TaskGenerators;
import java.nio.file.Path;
import java.util.List;

/** Builds the runtime objects of a run from its completed {@link RunConfig}. */
public final class RunResources {
  private RunResources() {}

  /**
   * The token ids the policy sees for a prompt: BOS, then the prompt's tokens. This layout is part
   * of the contract with the rollout workers (a RolloutGroup carries completion tokens only, so the
   * trainer re-tokenises the prompt and must get the same ids the sampler was given).
   */
  public static int[] promptTokens(Tokenizer tokenizer, String prompt) {
    int[] body = tokenizer.encode(prompt);
    int[] ids = new int[body.length + 1];
    ids[0] = tokenizer.bosId();
    System.arraycopy(body, 0, ids, 1, body.length);
    return ids;
  }

  /**
   * The run's tokenizer: {@code char} (with the given alphabet, else printable ASCII), a
   * tokenizer.json file, or (when the spec names none) the checkpoint's own.
   */
  public static Tokenizer tokenizer(ModelSpec m, Path checkpointDir) {
    var t = m.tokenizer();
    if (t == null) {
      Path dir = checkpointDir != null ? checkpointDir : Path.of(m.checkpoint());
      return Tokenizers.load(dir.resolve(HfCheckpoint.TOKENIZER_FILE));
    }
    if ("file".equals(t.type())) {
      return Tokenizers.load(Path.of(t.path()));
    }
    return t.alphabet() == null ? CharTokenizer.printableAscii() : new CharTokenizer(t.alphabet());
  }

  /** A tokenizer whose close needs no try/catch. */
  public record ClosingTokenizer(Tokenizer tokenizer) implements AutoCloseable {
    @Override
    public void close() {
      if (tokenizer instanceof AutoCloseable c) {
        try {
          c.close();
        } catch (Exception e) {
          throw new IllegalStateException("cannot close tokenizer", e);
        }
      }
    }
  }

  public static ClosingTokenizer closeable(Tokenizer t) {
    return new ClosingTokenizer(t);
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
  public static LoadedCheckpoint initialPolicy(RunConfig c, Device device) {
    ModelSpec m = c.model();
    if (m.checkpoint() != null) {
      LoadedCheckpoint ck = HfCheckpoint.load(Path.of(m.checkpoint()), device);
      if (m.tokenizer() == null) {
        return ck;
      }
      Tokenizer t = tokenizer(m, null);
      Tokenizers.checkFits(t, ck.config());
      closeable(ck.tokenizer()).close();
      return new LoadedCheckpoint(ck.config(), ck.model(), t);
    }
    Tokenizer t = tokenizer(m, null);
    ModelConfig cfg = modelConfig(m.randomInit()).withSpecialTokens(t.bosId(), t.eosId());
    Tokenizers.checkFits(t, cfg);
    return new LoadedCheckpoint(cfg, LlamaModel.randomInit(cfg, device, c.seed()), t);
  }

  /** The run's prompts. */
  public static PromptDataset dataset(RunConfig c, TaskGenerators generators) {
    var ds = c.dataset();
    if (ds.generator() != null) {
      var g =
          generators
              .find(ds.generator())
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "dataset.generator " + ds.generator() + " is not known here"));
      return new GeneratedDataset(g, ds.params(), c.seed(), c.eval().size());
    }
    return new JsonlDataset(Path.of(ds.jsonlPath()), c.seed(), c.eval().size());
  }

  /** The policy module's trainer configuration. */
  public static GrpoTrainerConfig trainerConfig(RunConfig c) {
    var l = c.loss();
    var o = c.optimizer();
    var loss =
        new LossConfig(
            RunConfigValidator.lossVariant(c), l.epsLow(), l.epsHigh(), l.beta(), l.tisCap());
    int totalOptimizerSteps = c.steps() * l.mu();
    var adam =
        new AdamWConfig(
            o.learningRate(),
            o.beta1(),
            o.beta2(),
            o.epsilon(),
            o.weightDecay(),
            o.maxGradNorm(),
            o.warmupSteps(),
            RunConfigValidator.schedule(c),
            totalOptimizerSteps,
            o.minLrRatio());
    return new GrpoTrainerConfig(
        loss,
        l.mu(),
        l.microBatchSize(),
        c.sampling().temperature(),
        c.sampling().maxNewTokens(),
        adam);
  }

  /** Sampling parameters of one group; {@code seed} makes the group reproducible. */
  public static SamplingParams samplingParams(RunConfig c, long seed) {
    var s = c.sampling();
    return new SamplingParams(
        s.temperature(), s.topP(), s.topK(), s.maxNewTokens(), List.of(), seed);
  }
}
