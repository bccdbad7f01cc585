package dev.grpo.trainer.run;

import static dev.grpo.trainer.run.RunRules.*;

import dev.grpo.contracts.RewardSpec;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.tokenizer.PromptEncoding;
import dev.grpo.policy.tokenizer.Tokenizer;
import dev.grpo.policy.train.AdvantageScaling;
import dev.grpo.policy.train.LossObjective;
import dev.grpo.policy.train.LossVariant;
import dev.grpo.policy.train.LrSchedule;
import dev.grpo.policy.train.OffPolicyCorrection;
import dev.grpo.rewardapi.CheckerRegistry;
import dev.grpo.rewardapi.InvalidRewardSpecException;
import dev.grpo.rewardapi.RewardSpecValidator;
import dev.grpo.trainer.run.RunSpec.DatasetSpec;
import dev.grpo.trainer.run.RunSpec.EvalSpec;
import dev.grpo.trainer.run.RunSpec.LossSpec;
import dev.grpo.trainer.run.RunSpec.ModelSpec;
import dev.grpo.trainer.run.RunSpec.OptimizerSpec;
import dev.grpo.trainer.run.RunSpec.SamplingSpec;
import dev.grpo.trainer.tasks.PromptDataset;
import dev.grpo.trainer.tasks.TaskExample;
import dev.grpo.trainer.tasks.TaskGenerator;
import dev.grpo.trainer.tasks.TaskGenerators;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns a {@link RunRequest} into a {@link RunSpec}: each field through its rule in {@link
 * RunRules}, then the rules that join fields. Every failure is an {@link InvalidRunConfigException}
 * naming the field path, the value and the rule; the checks run in a fixed order, so a request with
 * several mistakes always reports the same first one. Besides field ranges it checks what only
 * shows when the parts meet: the checkpoint loads as a config, the tokenizer fits the model, the
 * data set can be split, and the longest prompt plus {@code maxNewTokens} fits the model's context.
 */
public final class RunValidator {
  /**
   * Training prompts sampled to check prompt lengths against the context (the stream is endless).
   */
  static final int PROMPTS_CHECKED = 256;

  private final TaskGenerators generators;
  private final RewardSpecValidator rewardSpecs;

  private final RunSpec.TrainerSpec deploymentTrainer;

  public RunValidator(TaskGenerators generators, CheckerRegistry checkers) {
    this(generators, checkers, RunSpec.TrainerSpec.EMBEDDED);
  }

  /**
   * @param deploymentTrainer the backend (and torch workers) of runs that do not name one
   */
  public RunValidator(
      TaskGenerators generators, CheckerRegistry checkers, RunSpec.TrainerSpec deploymentTrainer) {
    this.generators = generators;
    this.rewardSpecs = new RewardSpecValidator(checkers);
    this.deploymentTrainer = deploymentTrainer;
  }

  /** The complete spec of {@code request}, after checking every rule. */
  public RunSpec complete(RunRequest request) {
    if (request == null) {
      throw new InvalidRunConfigException("body", "null", "be a run configuration object");
    }
    String name = NAME.resolve(request.name());
    long seed = SEED.resolve(request.seed());
    // Dataset first: its generator supplies defaults (reward spec, maxNewTokens).
    var ds = request.dataset();
    TaskGenerator generator = generator(ds);
    DatasetSpec dataset =
        new DatasetSpec(ds.generator(), ds.generator() == null ? null : params(ds), ds.jsonlPath());
    RewardSpec rewardSpec = rewardSpec(request.rewardSpec(), generator);
    int groupSize = GROUP_SIZE.resolve(request.groupSize());
    int groupsPerStep = GROUPS_PER_STEP.resolve(request.groupsPerStep());
    int maxStaleness = STALENESS.resolve(request.maxStaleness());
    boolean dynamicSampling = DYNAMIC_SAMPLING.resolve(request.dynamicSampling());
    int steps = STEPS.resolve(request.steps());
    int checkpointEvery =
        CHECKPOINT_EVERY.resolve(
            request.checkpointEvery(), CHECKPOINT_EVERY.defaultValue(), 1, steps);
    EvalSpec eval = eval(request.eval(), steps);
    SamplingSpec sampling = sampling(request.sampling(), generator, dataset);
    LossSpec loss = loss(request.loss(), maxStaleness);
    OptimizerSpec optimizer = optimizer(request.optimizer(), steps, loss.mu());
    ModelSpec model = ModelValidator.complete(request.model());
    RunSpec spec =
        new RunSpec(
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
            seed,
            trainer(request.trainer()));
    checkContext(spec);
    return spec;
  }

  private RunSpec.TrainerSpec trainer(RunRequest.TrainerSpec t) {
    var backend =
        TRAINER_BACKEND.resolve(t == null ? null : t.backend(), deploymentTrainer.backend());
    int workers =
        TRAINER_WORKERS.resolve(
            t == null ? null : t.workers(),
            backend == RunSpec.TrainerBackend.TORCH ? deploymentTrainer.workers() : 1,
            1,
            backend == RunSpec.TrainerBackend.EMBEDDED ? 1 : MAX_WORKERS);
    return new RunSpec.TrainerSpec(backend, workers);
  }

  /** The generator of a generated data set (null for JSONL), after the data set's own rules. */
  private TaskGenerator generator(RunRequest.DatasetSpec ds) {
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
    Map<String, Object> params = params(ds);
    if (ds.generator() == null) {
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
      return null;
    }
    TaskGenerator generator =
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
    return generator;
  }

  private static Map<String, Object> params(RunRequest.DatasetSpec ds) {
    return ds.params() == null ? Map.of() : ds.params();
  }

  private RewardSpec rewardSpec(RewardSpec given, TaskGenerator generator) {
    RewardSpec spec = given;
    if (spec == null) {
      if (generator == null) {
        throw new InvalidRunConfigException("rewardSpec", "null", "be given for a JSONL data set");
      }
      spec = generator.defaultRewardSpec();
    }
    try {
      rewardSpecs.validate(spec, "rewardSpec");
    } catch (InvalidRewardSpecException e) {
      throw new InvalidRunConfigException(
          e.field(), spec, "be a valid reward spec", e.getMessage());
    }
    return spec;
  }

  private static EvalSpec eval(RunRequest.EvalSpec given, int steps) {
    var ev = given == null ? new RunRequest.EvalSpec(null, null, null, null) : given;
    return new EvalSpec(
        EVAL_SIZE.resolve(ev.size()),
        EVAL_EVERY.resolve(ev.every(), EVAL_EVERY.defaultValue(), 0, steps),
        EVAL_GREEDY.resolve(ev.greedy()),
        EVAL_SEED.resolve(ev.seed()));
  }

  private static SamplingSpec sampling(
      RunRequest.SamplingSpec given, TaskGenerator generator, DatasetSpec dataset) {
    var sp = given == null ? new RunRequest.SamplingSpec(null, null, null, null) : given;
    double temperature = TEMPERATURE.resolve(sp.temperature());
    double topP = TOP_P.resolve(sp.topP());
    int topK = TOP_K.resolve(sp.topK());
    int defaultMaxNew =
        generator == null
            ? MAX_NEW_TOKENS.defaultValue()
            : generator.defaultMaxNewTokens(dataset.params());
    int maxNewTokens =
        MAX_NEW_TOKENS.resolve(
            sp.maxNewTokens(), defaultMaxNew, MAX_NEW_TOKENS.min(), MAX_NEW_TOKENS.max());
    return new SamplingSpec(temperature, topP, topK, maxNewTokens);
  }

  private static LossSpec loss(RunRequest.LossSpec given, int maxStaleness) {
    var ls =
        given == null
            ? new RunRequest.LossSpec(
                null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null)
            : given;
    LossVariant variant = LOSS_VARIANT.resolve(ls.variant());
    double epsHigh = EPS_HIGH.resolve(ls.epsHigh());
    LossObjective objective = OBJECTIVE.resolve(ls.objective());
    double delta = DELTA.resolve(ls.delta());
    if (delta != 0 && !(delta > 1 + epsHigh)) {
      throw new InvalidRunConfigException(
          DELTA.path(), delta, "be 0 (off) or > 1 + loss.epsHigh = " + (1 + epsHigh));
    }
    if (delta != 0 && objective != LossObjective.CLIP) {
      throw new InvalidRunConfigException(
          DELTA.path(),
          delta,
          "be 0 with loss.objective " + FieldRule.spelling(objective) + " (clip objective only)");
    }
    return new LossSpec(
        variant,
        EPS_LOW.resolve(ls.epsLow()),
        epsHigh,
        BETA.resolve(ls.beta()),
        TIS_CAP.resolve(ls.tisCap()),
        MU.resolve(ls.mu()),
        MICRO_BATCH.resolve(ls.microBatchSize()),
        objective,
        IMPORTANCE_LEVEL.resolve(ls.importanceLevel()),
        delta,
        TAU_POS.resolve(ls.tauPos()),
        TAU_NEG.resolve(ls.tauNeg()),
        CORRECTION.resolve(ls.correction(), OffPolicyCorrection.defaultFor(maxStaleness).mode()),
        PROB_GAP_EPS.resolve(ls.probGapEps()),
        MASK_TRUNCATED.resolve(ls.maskTruncated()),
        SCALE.resolve(ls.scale(), AdvantageScaling.defaultFor(variant)),
        REWARD_AGGREGATION.resolve(ls.rewardAggregation()));
  }

  private static OptimizerSpec optimizer(RunRequest.OptimizerSpec given, int steps, int mu) {
    var os =
        given == null
            ? new RunRequest.OptimizerSpec(null, null, null, null, null, null, null, null, null)
            : given;
    double lr = LEARNING_RATE.resolve(os.learningRate());
    double beta1 = BETA1.resolve(os.beta1());
    double beta2 = BETA2.resolve(os.beta2());
    double epsilon = EPSILON.resolve(os.epsilon());
    double weightDecay = WEIGHT_DECAY.resolve(os.weightDecay());
    double maxGradNorm = MAX_GRAD_NORM.resolve(os.maxGradNorm());
    int warmup = WARMUP_STEPS.resolve(os.warmupSteps());
    LrSchedule schedule = SCHEDULE.resolve(os.schedule());
    if (schedule == LrSchedule.COSINE && (long) steps * mu <= warmup) {
      throw new InvalidRunConfigException(
          WARMUP_STEPS.path(),
          warmup,
          "be < steps x mu (" + (long) steps * mu + ") for a cosine schedule");
    }
    double minLr = MIN_LR_RATIO.resolve(os.minLrRatio());
    return new OptimizerSpec(
        lr, beta1, beta2, epsilon, weightDecay, maxGradNorm, warmup, schedule, minLr);
  }

  /** The longest prompt (BOS + tokens) plus maxNewTokens must fit max_position_embeddings. */
  private void checkContext(RunSpec spec) {
    PromptDataset dataset;
    try {
      dataset = RunResources.dataset(spec, generators);
    } catch (IllegalArgumentException e) {
      throw new InvalidRunConfigException(
          e.getMessage().startsWith("dataset.evalSize") ? "eval.size" : "dataset",
          spec.dataset(),
          "yield a train/eval split",
          e.getMessage().replace("dataset.evalSize", "eval.size"));
    }
    var model = spec.model();
    int maxPositions =
        model.randomInit() != null
            ? model.randomInit().maxPositions()
            : ModelConfig.read(Path.of(model.checkpoint()).resolve("config.json"))
                .maxPositionEmbeddings();
    try (Tokenizer t = RunResources.tokenizer(model)) {
      int longest = 0;
      String longestPrompt = "";
      List<TaskExample> sample = new ArrayList<>(dataset.eval());
      for (int i = 0; i < PROMPTS_CHECKED; i++) {
        sample.add(dataset.train(i));
      }
      for (TaskExample e : sample) {
        int n = PromptEncoding.withBos(t, e.prompt()).length;
        if (n > longest) {
          longest = n;
          longestPrompt = e.prompt();
        }
      }
      int maxNew = spec.sampling().maxNewTokens();
      if (longest + maxNew > maxPositions) {
        throw new InvalidRunConfigException(
            MAX_NEW_TOKENS.path(),
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
}
