package dev.grpo.trainer.run;

import dev.grpo.contracts.Contracts;
import dev.grpo.policy.train.AdvantageScaling;
import dev.grpo.policy.train.ImportanceLevel;
import dev.grpo.policy.train.LossConfig;
import dev.grpo.policy.train.LossObjective;
import dev.grpo.policy.train.LossVariant;
import dev.grpo.policy.train.LrSchedule;
import dev.grpo.policy.train.OffPolicyCorrection;
import dev.grpo.policy.train.RewardAggregation;
import dev.grpo.trainer.run.FieldRule.ChoiceRule;
import dev.grpo.trainer.run.FieldRule.DoubleRule;
import dev.grpo.trainer.run.FieldRule.FlagRule;
import dev.grpo.trainer.run.FieldRule.IntRule;
import dev.grpo.trainer.run.FieldRule.LongRule;
import dev.grpo.trainer.run.FieldRule.Range;
import dev.grpo.trainer.run.FieldRule.TextRule;
import dev.grpo.trainer.run.RunSpec.TokenizerType;
import java.util.List;
import java.util.Locale;

/**
 * The defaults and rules of every field of a run request, in one place: {@link RunValidator}
 * resolves each field through its rule here, and the OpenAPI description of {@code POST /runs} is
 * filled from {@link #ALL} (see {@code rest.RunRulesOpenApiFilter}). The rules that join several
 * fields (exactly one model source, the prompt fitting the context, ...) are the validator's.
 */
public final class RunRules {
  private RunRules() {}

  /** Upper bounds: beyond them a value is a typo, not a plan. */
  public static final int MAX_GROUPS_PER_STEP = 1024;

  public static final int MAX_STALENESS = 16;
  public static final int MAX_STEPS = 1_000_000;
  public static final int MAX_MU = 16;
  public static final int MAX_MICRO_BATCH = 4096;
  public static final int MAX_EVAL_SIZE = 10_000;
  public static final int MAX_NAME_LENGTH = 200;
  public static final int MAX_WORKERS = 1024;

  /** maxNewTokens when the data set has no generator to suggest one. */
  public static final int DEFAULT_MAX_NEW_TOKENS = 64;

  public static final TextRule NAME =
      new TextRule("name", "Human-readable name", "run", MAX_NAME_LENGTH);
  public static final IntRule GROUP_SIZE =
      IntRule.of("groupSize", "Completions per prompt (G)", 8, 2, Contracts.MAX_GROUP_SIZE);
  public static final IntRule GROUPS_PER_STEP =
      IntRule.of("groupsPerStep", "Groups per training step", 4, 1, MAX_GROUPS_PER_STEP);
  public static final IntRule STALENESS =
      IntRule.of(
          "maxStaleness",
          "Policy versions a group may lag behind the trainer; 0 = synchronous on-policy",
          1,
          0,
          MAX_STALENESS);
  public static final FlagRule DYNAMIC_SAMPLING =
      new FlagRule(
          "dynamicSampling",
          "Drop groups whose rewards are all equal and issue replacements (DAPO)",
          true);
  public static final IntRule STEPS = IntRule.of("steps", "Training steps", 100, 1, MAX_STEPS);
  public static final IntRule CHECKPOINT_EVERY =
      IntRule.of(
              "checkpointEvery",
              "Save a checkpoint and publish a PolicyVersion every k steps",
              1,
              1,
              MAX_STEPS)
          .withMaxDoc("steps");
  public static final LongRule SEED =
      new LongRule("seed", "Seed of prompt order, sampling seeds and random init", 0);

  public static final IntRule EVAL_SIZE =
      IntRule.of("eval.size", "Held-out prompts", 32, 0, MAX_EVAL_SIZE);
  public static final IntRule EVAL_EVERY =
      IntRule.of("eval.every", "Evaluate every n steps, 0 = never", 10, 0, MAX_STEPS)
          .withMaxDoc("steps");
  public static final FlagRule EVAL_GREEDY =
      new FlagRule(
          "eval.greedy",
          "Greedy decoding (true) or sampling with the run's sampling params and 'seed'",
          true);
  public static final LongRule EVAL_SEED =
      new LongRule("eval.seed", "Sampling seed when not greedy", 0);

  public static final DoubleRule TEMPERATURE =
      DoubleRule.of("sampling.temperature", "Sampling temperature", 1.0, Range.POSITIVE);
  public static final DoubleRule TOP_P =
      DoubleRule.of("sampling.topP", "Nucleus mass", 1.0, Range.FRACTION_ABOVE_ZERO);
  public static final IntRule TOP_K =
      IntRule.of(
          "sampling.topK", "Keep the k most likely tokens, 0 = off", 0, 0, Integer.MAX_VALUE);
  public static final IntRule MAX_NEW_TOKENS =
      IntRule.of(
              "sampling.maxNewTokens",
              "Most tokens per completion",
              DEFAULT_MAX_NEW_TOKENS,
              1,
              Contracts.MAX_NEW_TOKENS)
          .withMaxDoc(Contracts.MAX_NEW_TOKENS + " and the prompt must fit max_position_embeddings")
          .withDefaultDoc("the generator's suggestion, else " + DEFAULT_MAX_NEW_TOKENS);

  public static final ChoiceRule<LossVariant> LOSS_VARIANT =
      ChoiceRule.of("loss.variant", "Loss aggregation", LossVariant.GRPO, LossVariant::parse);
  public static final DoubleRule EPS_LOW =
      DoubleRule.of(
          "loss.epsLow", "Lower clip range: ratio >= 1 - epsLow", 0.2, Range.FRACTION_BELOW_ONE);
  public static final DoubleRule EPS_HIGH =
      DoubleRule.of(
          "loss.epsHigh", "Upper clip range: ratio <= 1 + epsHigh", 0.2, Range.NON_NEGATIVE);
  public static final DoubleRule BETA =
      DoubleRule.of("loss.beta", "KL coefficient, 0 = no reference model", 0.0, Range.NON_NEGATIVE);
  public static final DoubleRule TIS_CAP =
      DoubleRule.of(
              "loss.tisCap",
              "Cap C of the off-policy correction weight pi_old / pi_behaviour (loss.correction)",
              OffPolicyCorrection.DEFAULT_CAP,
              Range.POSITIVE)
          .and(
              v -> v >= 1,
              "be >= 1 (a cap below 1 shrinks on-policy samples; switch the correction off with"
                  + " loss.correction none)",
              ">= 1");
  public static final ChoiceRule<OffPolicyCorrection.Mode> CORRECTION =
      ChoiceRule.of(
              "loss.correction",
              "Off-policy correction of behaviour vs old policy: the weight per token or per"
                  + " sequence, truncated at loss.tisCap or masked above it",
              OffPolicyCorrection.Mode.TOKEN_TRUNCATE,
              OffPolicyCorrection.Mode::parse)
          .withDefaultDoc("token_truncate when maxStaleness >= 1, else none");
  public static final ChoiceRule<LossObjective> OBJECTIVE =
      ChoiceRule.of(
          "loss.objective",
          "Surrogate: clip (PPO/GRPO), cispo or sapo",
          LossObjective.CLIP,
          LossObjective::parse);
  public static final ChoiceRule<ImportanceLevel> IMPORTANCE_LEVEL =
      ChoiceRule.of(
          "loss.importanceLevel",
          "Policy ratio per token, or per sequence (GSPO: geometric mean of the token ratios)",
          ImportanceLevel.TOKEN,
          ImportanceLevel::parse);
  public static final DoubleRule DELTA =
      DoubleRule.of(
              "loss.delta",
              "Two-sided clipping: cap of the unclipped ratio, 0 = off",
              0.0,
              Range.NON_NEGATIVE)
          .withExtraDoc("0 or > 1 + loss.epsHigh, clip objective only");
  public static final DoubleRule TAU_POS =
      DoubleRule.of(
          "loss.tauPos",
          "SAPO temperature where A > 0",
          LossConfig.DEFAULT_TAU_POS,
          Range.POSITIVE);
  public static final DoubleRule TAU_NEG =
      DoubleRule.of(
          "loss.tauNeg",
          "SAPO temperature where A <= 0",
          LossConfig.DEFAULT_TAU_NEG,
          Range.POSITIVE);
  public static final DoubleRule PROB_GAP_EPS =
      DoubleRule.of(
          "loss.probGapEps",
          "Mask tokens whose probability under trainer and sampler differ by more than this, 0 ="
              + " off",
          0.0,
          Range.FRACTION);
  public static final FlagRule MASK_TRUNCATED =
      new FlagRule(
          "loss.maskTruncated",
          "Completions that stopped at maxNewTokens contribute no loss",
          false);
  public static final ChoiceRule<AdvantageScaling> SCALE =
      ChoiceRule.of(
              "loss.scale",
              "Advantages divided by the group's std, the batch's std, or nothing",
              AdvantageScaling.GROUP,
              AdvantageScaling::parse)
          .withDefaultDoc("none for loss.variant dr_grpo, else group");
  public static final ChoiceRule<RewardAggregation> REWARD_AGGREGATION =
      ChoiceRule.of(
          "loss.rewardAggregation",
          "Sum the checkers' rewards then normalise, or normalise each then sum (GDPO)",
          RewardAggregation.SUM_THEN_NORMALIZE,
          RewardAggregation::parse);
  public static final IntRule MU =
      IntRule.of("loss.mu", "Inner iterations per batch", 1, 1, MAX_MU);
  public static final IntRule MICRO_BATCH =
      IntRule.of(
          "loss.microBatchSize", "Completions per forward/backward pass", 32, 1, MAX_MICRO_BATCH);

  public static final DoubleRule LEARNING_RATE =
      DoubleRule.of("optimizer.learningRate", "Peak learning rate", 1e-3, Range.POSITIVE);
  public static final DoubleRule BETA1 =
      DoubleRule.of("optimizer.beta1", "AdamW beta1", 0.9, Range.FRACTION_BELOW_ONE);
  public static final DoubleRule BETA2 =
      DoubleRule.of("optimizer.beta2", "AdamW beta2", 0.99, Range.FRACTION_BELOW_ONE);
  public static final DoubleRule EPSILON =
      DoubleRule.of("optimizer.epsilon", "AdamW epsilon", 1e-8, Range.POSITIVE);
  public static final DoubleRule WEIGHT_DECAY =
      DoubleRule.of("optimizer.weightDecay", "Decoupled weight decay", 0.0, Range.NON_NEGATIVE);
  public static final DoubleRule MAX_GRAD_NORM =
      DoubleRule.of(
          "optimizer.maxGradNorm", "Gradient-norm clip, 0 = off", 1.0, Range.NON_NEGATIVE);
  public static final IntRule WARMUP_STEPS =
      IntRule.of(
          "optimizer.warmupSteps",
          "Optimizer steps of linear warmup (< steps x mu for cosine)",
          0,
          0,
          MAX_STEPS * MAX_MU);
  public static final ChoiceRule<LrSchedule> SCHEDULE =
      ChoiceRule.of(
          "optimizer.schedule",
          "Learning rate after warmup",
          LrSchedule.CONSTANT,
          s -> LrSchedule.valueOf(s.toUpperCase(Locale.ROOT)));
  public static final DoubleRule MIN_LR_RATIO =
      DoubleRule.of(
          "optimizer.minLrRatio", "Cosine floor as a fraction of the peak", 0.0, Range.FRACTION);

  public static final IntRule VOCAB_SIZE =
      IntRule.of("model.randomInit.vocabSize", "Embedding rows", 0, 0, 1 << 20)
          .withMinDoc("the tokenizer's vocabulary")
          .withDefaultDoc("the tokenizer's vocabulary");
  public static final IntRule HIDDEN_SIZE =
      IntRule.of("model.randomInit.hiddenSize", "", 64, 2, 1 << 16);
  public static final IntRule INTERMEDIATE_SIZE =
      IntRule.of("model.randomInit.intermediateSize", "", 128, 1, 1 << 18);
  public static final IntRule LAYERS = IntRule.of("model.randomInit.layers", "", 2, 1, 256);
  public static final IntRule HEADS = IntRule.of("model.randomInit.heads", "", 4, 1, 1024);
  public static final IntRule KV_HEADS = IntRule.of("model.randomInit.kvHeads", "", 2, 1, 1024);
  public static final IntRule MAX_POSITIONS =
      IntRule.of("model.randomInit.maxPositions", "", 64, 2, 1 << 20);
  public static final ChoiceRule<TokenizerType> TOKENIZER_TYPE =
      ChoiceRule.of(
              "model.tokenizer.type",
              "char (built-in, optional alphabet) or file (a tokenizer.json path)",
              TokenizerType.CHAR,
              TokenizerType::parse)
          .withDefaultDoc("file when a path is given, else char");

  public static final ChoiceRule<RunSpec.TrainerBackend> TRAINER_BACKEND =
      ChoiceRule.of(
              "trainer.backend",
              "Where steps run: embedded (DJL in the trainer) or torch (PyTorch worker ranks)",
              RunSpec.TrainerBackend.EMBEDDED,
              RunSpec.TrainerBackend::parse)
          .withDefaultDoc("the deployment's grpo.trainer.backend (embedded)");
  public static final IntRule TRAINER_WORKERS =
      IntRule.of("trainer.workers", "Torch worker ranks (1 for embedded)", 1, 1, MAX_WORKERS)
          .withDefaultDoc("the deployment's grpo.trainer.torch-workers (1)");

  /** Every rule, for the OpenAPI description. */
  public static final List<FieldRule> ALL =
      List.of(
          NAME,
          GROUP_SIZE,
          GROUPS_PER_STEP,
          STALENESS,
          DYNAMIC_SAMPLING,
          STEPS,
          CHECKPOINT_EVERY,
          SEED,
          EVAL_SIZE,
          EVAL_EVERY,
          EVAL_GREEDY,
          EVAL_SEED,
          TEMPERATURE,
          TOP_P,
          TOP_K,
          MAX_NEW_TOKENS,
          LOSS_VARIANT,
          EPS_LOW,
          EPS_HIGH,
          BETA,
          TIS_CAP,
          CORRECTION,
          OBJECTIVE,
          IMPORTANCE_LEVEL,
          DELTA,
          TAU_POS,
          TAU_NEG,
          PROB_GAP_EPS,
          MASK_TRUNCATED,
          SCALE,
          REWARD_AGGREGATION,
          MU,
          MICRO_BATCH,
          LEARNING_RATE,
          BETA1,
          BETA2,
          EPSILON,
          WEIGHT_DECAY,
          MAX_GRAD_NORM,
          WARMUP_STEPS,
          SCHEDULE,
          MIN_LR_RATIO,
          VOCAB_SIZE,
          HIDDEN_SIZE,
          INTERMEDIATE_SIZE,
          LAYERS,
          HEADS,
          KV_HEADS,
          MAX_POSITIONS,
          TOKENIZER_TYPE,
          TRAINER_BACKEND,
          TRAINER_WORKERS);

  /** The rule of the field at {@code path} (e.g. {@code loss.epsLow}), if one field rule has it. */
  public static java.util.Optional<FieldRule> byPath(String path) {
    return ALL.stream().filter(r -> r.path().equals(path)).findFirst();
  }
}
