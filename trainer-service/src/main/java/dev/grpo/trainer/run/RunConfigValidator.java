package dev.grpo.trainer.run;

import dev.grpo.contracts.Contracts;
import dev.grpo.contracts.RewardSpec;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.tokenizer.Tokenizer;
import dev.grpo.policy.train.LossVariant;
import dev.grpo.policy.train.LrSchedule;
import dev.grpo.rewardapi.CheckerRegistry;
import dev.grpo.rewardapi.InvalidRewardSpecException;
import dev.grpo.rewardapi.RewardSpecValidator;
import dev.grpo.trainer.run.RunConfig.DatasetSpec;
import dev.grpo.trainer.run.RunConfig.EvalSpec;
import dev.grpo.trainer.run.RunConfig.LossSpec;
import dev.grpo.trainer.run.RunConfig.ModelSpec;
import dev.grpo.trainer.run.RunConfig.OptimizerSpec;
import dev.grpo.trainer.run.RunConfig.RandomInit;
import dev.grpo.trainer.run.RunConfig.SamplingSpec;
import dev.grpo.trainer.run.RunConfig.TokenizerSpec;
import dev.grpo.trainer.tasks.PromptDataset;
import dev.grpo.trainer.tasks.TaskExample;
import dev.grpo.trainer.tasks.TaskGenerator;
import dev.grpo.trainer.tasks.TaskGenerators;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Validates a {@link RunConfig} and fills in every default. Every rule failure is an {@link
 * InvalidRunConfigException} naming the field path, the value and the rule. Besides field ranges it
 * checks what only shows when the parts meet: the checkpoint loads as a config, the tokenizer fits
 * the model, the data set can be split, and the longest prompt plus {@code maxNewTokens} fits the
 * model's context.
 */
public final class RunConfigValidator {
  /** Upper bounds: beyond them a value is a typo, not a plan. */
  public static final int MAX_GROUPS_PER_STEP = 1024;

  public static final int MAX_STALENESS = 16;
  public static final int MAX_STEPS = 1_000_000;
  public static final int MAX_MU = 16;
  public static final int MAX_MICRO_BATCH = 4096;
  public static final int MAX_EVAL_SIZE = 10_000;

  /**
   * Training prompts sampled to check prompt lengths against the context (the stream is endless).
   */
  static final int PROMPTS_CHECKED = 256;

  private final TaskGenerators generators;
  private final RewardSpecValidator rewardSpecs;

  public RunConfigValidator(TaskGenerators generators, CheckerRegistry checkers) {
    this.generators = generators;
    this.rewardSpecs = new RewardSpecValidator(checkers);
  }

  /** The config with every default filled in, after checking every rule. */
  public RunConfig complete(RunConfig c) {
    if (c == null) {
      throw new InvalidRunConfigException("body", "null", "be a run configuration object");
    }
    String name = c.name() == null ? "run" : c.name().strip();
    if (name.isEmpty() || name.length() > 200) {
      throw new InvalidRunConfigException("name", "'" + c.name() + "'", "be 1..200 characters");
    }
    long seed = c.seed() == null ? 0L : c.seed();

    // Dataset first: its generator supplies defaults (reward spec, maxNewTokens).
    DatasetSpec ds = c.dataset();
    if (ds == null) {
      throw new InvalidRunConfigException(
          "dataset", "null", "be given (a generator or a jsonlPath)");
    }
    if ((ds.generator() == null) == (ds.jsonlPath() == null)) {
      throw new InvalidRunConfigException(
          "dataset",
          "generator=" + ds.generator() + ", jsonlPath=" + ds.jsonlPath(),
          "name exactly one of generator and jsonlPath");
    }
    TaskGenerator generator = null;
    Map<String, Object> params = ds.params() == null ? Map.of() : ds.params();
    if (ds.generator() != null) {
      generator =
          generators
              .find(ds.generator())
              .orElseThrow(
                  () ->
                      new InvalidRunConfigException(
                          "dataset.generator",
                          "'" + ds.generator() + "'",
                          "be one of " + generators.names()));
      try {
        generator.validate(params);
      } catch (IllegalArgumentException e) {
        throw new InvalidRunConfigException(
            "dataset.params",
            params,
            "be valid for " + generator.name(),
            "dataset.params." + e.getMessage());
      }
    } else {
      if (!params.isEmpty()) {
        throw new InvalidRunConfigException(
            "dataset.params", params, "be empty for a JSONL data set");
      }
      Path p = Path.of(ds.jsonlPath());
      if (!p.isAbsolute() || !Files.isRegularFile(p)) {
        throw new InvalidRunConfigException(
            "dataset.jsonlPath",
            "'" + ds.jsonlPath() + "'",
            "be the absolute path of a readable file");
      }
    }
    DatasetSpec dataset =
        new DatasetSpec(ds.generator(), ds.generator() == null ? null : params, ds.jsonlPath());

    RewardSpec rewardSpec = c.rewardSpec();
    if (rewardSpec == null) {
      if (generator == null) {
        throw new InvalidRunConfigException("rewardSpec", "null", "be given for a JSONL data set");
      }
      rewardSpec = generator.defaultRewardSpec();
    }
    try {
      rewardSpecs.validate(rewardSpec, "rewardSpec");
    } catch (InvalidRewardSpecException e) {
      throw new InvalidRunConfigException(
          e.field(), rewardSpec, "be a valid reward spec", e.getMessage());
    }

    int groupSize = range("groupSize", c.groupSize(), 8, 2, Contracts.MAX_GROUP_SIZE);
    int groupsPerStep = range("groupsPerStep", c.groupsPerStep(), 4, 1, MAX_GROUPS_PER_STEP);
    int maxStaleness = range("maxStaleness", c.maxStaleness(), 1, 0, MAX_STALENESS);
    boolean dynamicSampling = c.dynamicSampling() == null || c.dynamicSampling();
    int steps = range("steps", c.steps(), 100, 1, MAX_STEPS);
    int checkpointEvery = range("checkpointEvery", c.checkpointEvery(), 1, 1, steps);

    EvalSpec ev = c.eval() == null ? new EvalSpec(null, null, null, null) : c.eval();
    EvalSpec eval =
        new EvalSpec(
            range("eval.size", ev.size(), 32, 0, MAX_EVAL_SIZE),
            range("eval.every", ev.every(), 10, 0, steps),
            ev.greedy() == null || ev.greedy(),
            ev.seed() == null ? 0L : ev.seed());

    SamplingSpec sp =
        c.sampling() == null ? new SamplingSpec(null, null, null, null) : c.sampling();
    double temperature = sp.temperature() == null ? 1.0 : sp.temperature();
    if (!(temperature > 0) || !Double.isFinite(temperature)) {
      throw new InvalidRunConfigException(
          "sampling.temperature", temperature, "be a finite number > 0");
    }
    double topP = sp.topP() == null ? 1.0 : sp.topP();
    if (!(topP > 0 && topP <= 1)) {
      throw new InvalidRunConfigException("sampling.topP", topP, "be in (0, 1]");
    }
    int topK = range("sampling.topK", sp.topK(), 0, 0, Integer.MAX_VALUE);
    int defaultMaxNew = generator == null ? 64 : generator.defaultMaxNewTokens(params);
    int maxNewTokens =
        range(
            "sampling.maxNewTokens", sp.maxNewTokens(), defaultMaxNew, 1, Contracts.MAX_NEW_TOKENS);
    SamplingSpec sampling = new SamplingSpec(temperature, topP, topK, maxNewTokens);

    LossSpec ls =
        c.loss() == null ? new LossSpec(null, null, null, null, null, null, null) : c.loss();
    String variant;
    try {
      variant =
          LossVariant.parse(ls.variant() == null ? "grpo" : ls.variant())
              .name()
              .toLowerCase(Locale.ROOT);
    } catch (IllegalArgumentException e) {
      throw new InvalidRunConfigException(
          "loss.variant", "'" + ls.variant() + "'", "be one of grpo, bnpo, dapo, dr_grpo");
    }
    double epsLow = ls.epsLow() == null ? 0.2 : ls.epsLow();
    if (!(epsLow >= 0 && epsLow < 1)) {
      throw new InvalidRunConfigException("loss.epsLow", epsLow, "be in [0, 1)");
    }
    double epsHigh = nonNegative("loss.epsHigh", ls.epsHigh(), 0.2);
    double beta = nonNegative("loss.beta", ls.beta(), 0.0);
    double tisCap = nonNegative("loss.tisCap", ls.tisCap(), 2.0);
    if (tisCap > 0 && tisCap < 1) {
      throw new InvalidRunConfigException(
          "loss.tisCap", tisCap, "be 0 (off) or >= 1 (a cap below 1 shrinks on-policy samples)");
    }
    int mu = range("loss.mu", ls.mu(), 1, 1, MAX_MU);
    int micro = range("loss.microBatchSize", ls.microBatchSize(), 32, 1, MAX_MICRO_BATCH);
    LossSpec loss = new LossSpec(variant, epsLow, epsHigh, beta, tisCap, mu, micro);

    OptimizerSpec os =
        c.optimizer() == null
            ? new OptimizerSpec(null, null, null, null, null, null, null, null, null)
            : c.optimizer();
    double lr = os.learningRate() == null ? 1e-3 : os.learningRate();
    if (!(lr > 0) || !Double.isFinite(lr)) {
      throw new InvalidRunConfigException("optimizer.learningRate", lr, "be a finite number > 0");
    }
    double beta1 = unit("optimizer.beta1", os.beta1(), 0.9);
    double beta2 = unit("optimizer.beta2", os.beta2(), 0.99);
    double epsilon = os.epsilon() == null ? 1e-8 : os.epsilon();
    if (!(epsilon > 0) || !Double.isFinite(epsilon)) {
      throw new InvalidRunConfigException("optimizer.epsilon", epsilon, "be a finite number > 0");
    }
    double weightDecay = nonNegative("optimizer.weightDecay", os.weightDecay(), 0.0);
    double maxGradNorm = nonNegative("optimizer.maxGradNorm", os.maxGradNorm(), 1.0);
    int warmup = range("optimizer.warmupSteps", os.warmupSteps(), 0, 0, MAX_STEPS * MAX_MU);
    String schedule = os.schedule() == null ? "constant" : os.schedule().toLowerCase(Locale.ROOT);
    if (!schedule.equals("constant") && !schedule.equals("cosine")) {
      throw new InvalidRunConfigException(
          "optimizer.schedule", "'" + os.schedule() + "'", "be constant or cosine");
    }
    if (schedule.equals("cosine") && (long) steps * mu <= warmup) {
      throw new InvalidRunConfigException(
          "optimizer.warmupSteps",
          warmup,
          "be < steps x mu (" + (long) steps * mu + ") for a cosine schedule");
    }
    double minLr = os.minLrRatio() == null ? 0.0 : os.minLrRatio();
    if (!(minLr >= 0 && minLr <= 1)) {
      throw new InvalidRunConfigException("optimizer.minLrRatio", minLr, "be in [0, 1]");
    }
    OptimizerSpec optimizer =
        new OptimizerSpec(
            lr, beta1, beta2, epsilon, weightDecay, maxGradNorm, warmup, schedule, minLr);

    ModelSpec model = completeModel(c.model(), seed);

    RunConfig done =
        new RunConfig(
            name,
            model,
            dataset,
            rewardSpec,
            groupSize,
            groupsPerStep,
            maxStaleness,
            dynamicSampling,
            sampling,
            loss,
            optimizer,
            steps,
            eval,
            checkpointEvery,
            seed);
    checkContext(done);
    return done;
  }

  private ModelSpec completeModel(ModelSpec m, long seed) {
    if (m == null) {
      throw new InvalidRunConfigException("model", "null", "be given (checkpoint or randomInit)");
    }
    if ((m.checkpoint() == null) == (m.randomInit() == null)) {
      throw new InvalidRunConfigException(
          "model",
          "checkpoint=" + m.checkpoint() + ", randomInit=" + m.randomInit(),
          "name exactly one of checkpoint and randomInit");
    }
    TokenizerSpec tok = m.tokenizer();
    if (tok != null) {
      String type = tok.type() == null ? (tok.path() != null ? "file" : "char") : tok.type();
      if (type.equals("char")) {
        if (tok.path() != null) {
          throw new InvalidRunConfigException(
              "model.tokenizer.path", "'" + tok.path() + "'", "be absent for type char");
        }
        if (tok.alphabet() != null && tok.alphabet().isEmpty()) {
          throw new InvalidRunConfigException(
              "model.tokenizer.alphabet", "''", "hold at least one character");
        }
      } else if (type.equals("file")) {
        if (tok.path() == null
            || !Path.of(tok.path()).isAbsolute()
            || !Files.isRegularFile(Path.of(tok.path()))) {
          throw new InvalidRunConfigException(
              "model.tokenizer.path",
              "'" + tok.path() + "'",
              "be the absolute path of a tokenizer.json file");
        }
      } else {
        throw new InvalidRunConfigException(
            "model.tokenizer.type", "'" + tok.type() + "'", "be char or file");
      }
      tok = new TokenizerSpec(type, tok.alphabet(), tok.path());
    }
    if (m.checkpoint() != null) {
      Path dir = Path.of(m.checkpoint());
      if (!dir.isAbsolute() || !Files.isRegularFile(dir.resolve("config.json"))) {
        throw new InvalidRunConfigException(
            "model.checkpoint",
            "'" + m.checkpoint() + "'",
            "be the absolute path of a Hugging Face checkpoint directory (with config.json)");
      }
      try {
        ModelConfig.read(dir.resolve("config.json"));
      } catch (IllegalArgumentException e) {
        throw new InvalidRunConfigException(
            "model.checkpoint",
            "'" + m.checkpoint() + "'",
            "hold a supported config.json",
            "model.checkpoint: " + e.getMessage());
      }
      if (tok == null && !Files.isRegularFile(dir.resolve("tokenizer.json"))) {
        throw new InvalidRunConfigException(
            "model.tokenizer", "null", "be given when the checkpoint has no tokenizer.json");
      }
      return new ModelSpec(m.checkpoint(), null, tok);
    }
    if (tok == null) {
      tok = new TokenizerSpec("char", null, null);
    }
    RandomInit r = m.randomInit();
    int tokVocab;
    try (var t =
        RunResources.closeable(RunResources.tokenizer(new ModelSpec(null, r, tok), null))) {
      tokVocab = t.tokenizer().vocabSize();
    } catch (IllegalArgumentException e) {
      throw new InvalidRunConfigException(
          "model.tokenizer", tok, "load", "model.tokenizer: " + e.getMessage());
    }
    int vocab = range("model.randomInit.vocabSize", r.vocabSize(), tokVocab, tokVocab, 1 << 20);
    RandomInit full =
        new RandomInit(
            vocab,
            range("model.randomInit.hiddenSize", r.hiddenSize(), 64, 2, 1 << 16),
            range("model.randomInit.intermediateSize", r.intermediateSize(), 128, 1, 1 << 18),
            range("model.randomInit.layers", r.layers(), 2, 1, 256),
            range("model.randomInit.heads", r.heads(), 4, 1, 1024),
            range("model.randomInit.kvHeads", r.kvHeads(), 2, 1, 1024),
            range("model.randomInit.maxPositions", r.maxPositions(), 64, 2, 1 << 20));
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

  /** The longest prompt (BOS + tokens) plus maxNewTokens must fit max_position_embeddings. */
  private void checkContext(RunConfig c) {
    PromptDataset dataset;
    try {
      dataset = RunResources.dataset(c, generators);
    } catch (IllegalArgumentException e) {
      throw new InvalidRunConfigException(
          e.getMessage().startsWith("dataset.evalSize") ? "eval.size" : "dataset",
          c.dataset(),
          "yield a train/eval split",
          e.getMessage().replace("dataset.evalSize", "eval.size"));
    }
    int maxPositions =
        c.model().randomInit() != null
            ? c.model().randomInit().maxPositions()
            : ModelConfig.read(Path.of(c.model().checkpoint()).resolve("config.json"))
                .maxPositionEmbeddings();
    try (var t = RunResources.closeable(RunResources.tokenizer(c.model(), null))) {
      Tokenizer tokenizer = t.tokenizer();
      int longest = 0;
      String longestPrompt = "";
      List<TaskExample> sample = new java.util.ArrayList<>(dataset.eval());
      for (int i = 0; i < PROMPTS_CHECKED; i++) {
        sample.add(dataset.train(i));
      }
      for (TaskExample e : sample) {
        int n = RunResources.promptTokens(tokenizer, e.prompt()).length;
        if (n > longest) {
          longest = n;
          longestPrompt = e.prompt();
        }
      }
      int maxNew = c.sampling().maxNewTokens();
      if (longest + maxNew > maxPositions) {
        throw new InvalidRunConfigException(
            "sampling.maxNewTokens",
            maxNew,
            "fit the model context: longest prompt ("
                + longest
                + " tokens, '"
                + abbreviate(longestPrompt)
                + "') + maxNewTokens <= max_position_embeddings "
                + maxPositions);
      }
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 37) + "...";
  }

  private static int range(String field, Integer value, int defaultValue, int min, int max) {
    int v = value == null ? defaultValue : value;
    if (v < min || v > max) {
      throw new InvalidRunConfigException(field, v, "be between " + min + " and " + max);
    }
    return v;
  }

  private static double nonNegative(String field, Double value, double defaultValue) {
    double v = value == null ? defaultValue : value;
    if (!(v >= 0) || !Double.isFinite(v)) {
      throw new InvalidRunConfigException(field, v, "be a finite number >= 0");
    }
    return v;
  }

  private static double unit(String field, Double value, double defaultValue) {
    double v = value == null ? defaultValue : value;
    if (!(v >= 0 && v < 1)) {
      throw new InvalidRunConfigException(field, v, "be in [0, 1)");
    }
    return v;
  }

  /** The parsed loss variant of a completed config. */
  public static LossVariant lossVariant(RunConfig c) {
    return LossVariant.parse(c.loss().variant());
  }

  /** The parsed schedule of a completed config. */
  public static LrSchedule schedule(RunConfig c) {
    return c.optimizer().schedule().equals("cosine") ? LrSchedule.COSINE : LrSchedule.CONSTANT;
  }
}
