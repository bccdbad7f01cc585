package dev.grpo.trainer.run;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import dev.grpo.contracts.RewardSpec;
import dev.grpo.policy.train.AdvantageScaling;
import dev.grpo.policy.train.ImportanceLevel;
import dev.grpo.policy.train.LossConfig;
import dev.grpo.policy.train.LossObjective;
import dev.grpo.policy.train.LossVariant;
import dev.grpo.policy.train.LrSchedule;
import dev.grpo.policy.train.OffPolicyCorrection;
import dev.grpo.policy.train.RewardAggregation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The complete configuration of a run: every default filled in and every rule checked by {@link
 * RunValidator}, with primitive numbers and enums. A run stores it as JSON ({@link #toJson}, column
 * {@code run.config}), reads it back once ({@link #fromJson}) and reports it under {@code config}
 * in {@code GET /runs}. The JSON has the shape and spellings of a {@link RunRequest} with every
 * field present ({@code "variant":"grpo"}, {@code "schedule":"constant"}, {@code "type":"char"}),
 * so a stored spec is also a valid request. The nested records are named as the request's, which
 * they complete. The policy module's configs are derived from it in {@link PolicyConfigs}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunSpec(
    String name,
    ModelSpec model,
    DatasetSpec dataset,
    RewardSpec rewardSpec,
    int groupSize,
    int groupsPerStep,
    int maxStaleness,
    boolean dynamicSampling,
    SamplingSpec sampling,
    LossSpec loss,
    OptimizerSpec optimizer,
    int steps,
    EvalSpec eval,
    int checkpointEvery,
    long seed,
    @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = TrainerSpec.IsEmbedded.class)
        TrainerSpec trainer) {

  private static final ObjectMapper JSON = new ObjectMapper();

  public RunSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(rewardSpec, "rewardSpec");
    Objects.requireNonNull(sampling, "sampling");
    Objects.requireNonNull(loss, "loss");
    Objects.requireNonNull(optimizer, "optimizer");
    Objects.requireNonNull(eval, "eval");
    // Runs stored before the torch backend existed trained embedded.
    trainer = trainer == null ? TrainerSpec.EMBEDDED : trainer;
  }

  /** The spec with another trainer backend (the rest unchanged). */
  public RunSpec withTrainer(TrainerSpec t) {
    return new RunSpec(
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
        t);
  }

  /**
   * The initial policy: exactly one of {@code checkpoint} (an absolute HF directory) and {@code
   * randomInit}; {@code tokenizer} null means the checkpoint's own tokenizer.json.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ModelSpec(String checkpoint, RandomInit randomInit, TokenizerSpec tokenizer) {}

  /** A random-init Llama model. */
  public record RandomInit(
      int vocabSize,
      int hiddenSize,
      int intermediateSize,
      int layers,
      int heads,
      int kvHeads,
      int maxPositions) {}

  /** How the tokenizer is made. */
  public enum TokenizerType {
    /** The built-in character tokenizer ({@code alphabet}, else printable ASCII). */
    CHAR,
    /** A tokenizer.json at {@code path}. */
    FILE;

    /** Exactly {@code char} or {@code file}. */
    @JsonCreator
    public static TokenizerType parse(String name) {
      for (TokenizerType t : values()) {
        if (t.toString().equals(name)) {
          return t;
        }
      }
      throw new IllegalArgumentException("tokenizer type must be char or file, was " + name);
    }

    @JsonValue
    @Override
    public String toString() {
      return FieldRule.spelling(this);
    }
  }

  /** A tokenizer: {@code alphabet} only for CHAR, {@code path} only (and always) for FILE. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record TokenizerSpec(TokenizerType type, String alphabet, String path) {}

  /**
   * Exactly one of {@code generator} (with its {@code params}, in request order) and {@code
   * jsonlPath}.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record DatasetSpec(String generator, Map<String, Object> params, String jsonlPath) {
    public DatasetSpec {
      params = params == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }
  }

  /** Sampling parameters of the rollout workers (the per-group seed is derived). */
  public record SamplingSpec(double temperature, double topP, int topK, int maxNewTokens) {}

  /**
   * The GRPO loss and update settings. A spec stored before a field existed reads it as its old
   * meaning: no correction mode means {@code token_truncate} when {@code tisCap > 0} (then {@code
   * none}, cap 2, for {@code tisCap = 0}), and the other options their defaults.
   */
  public record LossSpec(
      @JsonSerialize(using = Spelling.Writer.class)
          @JsonDeserialize(using = Spelling.LossVariantReader.class)
          LossVariant variant,
      double epsLow,
      double epsHigh,
      double beta,
      double tisCap,
      int mu,
      int microBatchSize,
      @JsonSerialize(using = Spelling.Writer.class)
          @JsonDeserialize(using = Spelling.ObjectiveReader.class)
          LossObjective objective,
      @JsonSerialize(using = Spelling.Writer.class)
          @JsonDeserialize(using = Spelling.LevelReader.class)
          ImportanceLevel importanceLevel,
      double delta,
      double tauPos,
      double tauNeg,
      @JsonSerialize(using = Spelling.Writer.class)
          @JsonDeserialize(using = Spelling.CorrectionReader.class)
          OffPolicyCorrection.Mode correction,
      double probGapEps,
      boolean maskTruncated,
      @JsonSerialize(using = Spelling.Writer.class)
          @JsonDeserialize(using = Spelling.ScaleReader.class)
          AdvantageScaling scale,
      @JsonSerialize(using = Spelling.Writer.class)
          @JsonDeserialize(using = Spelling.AggregationReader.class)
          RewardAggregation rewardAggregation) {

    public LossSpec {
      if (correction == null) {
        correction =
            tisCap > 0 ? OffPolicyCorrection.Mode.TOKEN_TRUNCATE : OffPolicyCorrection.Mode.NONE;
      }
      if (tisCap == 0) {
        tisCap = OffPolicyCorrection.DEFAULT_CAP;
      }
      objective = objective == null ? LossObjective.CLIP : objective;
      importanceLevel = importanceLevel == null ? ImportanceLevel.TOKEN : importanceLevel;
      tauPos = tauPos == 0 ? LossConfig.DEFAULT_TAU_POS : tauPos;
      tauNeg = tauNeg == 0 ? LossConfig.DEFAULT_TAU_NEG : tauNeg;
      scale = scale == null && variant != null ? AdvantageScaling.defaultFor(variant) : scale;
      rewardAggregation =
          rewardAggregation == null ? RewardAggregation.SUM_THEN_NORMALIZE : rewardAggregation;
    }
  }

  /** AdamW and its learning-rate schedule. */
  public record OptimizerSpec(
      double learningRate,
      double beta1,
      double beta2,
      double epsilon,
      double weightDecay,
      double maxGradNorm,
      int warmupSteps,
      @JsonSerialize(using = Spelling.Writer.class)
          @JsonDeserialize(using = Spelling.ScheduleReader.class)
          LrSchedule schedule,
      double minLrRatio) {}

  /** Held-out evaluation. */
  public record EvalSpec(int size, int every, boolean greedy, long seed) {}

  /** Where a run's steps are computed (DESIGN section 5, "Training backends"). */
  public enum TrainerBackend {
    /** The DJL trainer inside the trainer service. */
    EMBEDDED,
    /** A group of PyTorch worker processes ({@code trainer-worker/}). */
    TORCH;

    /** Exactly {@code embedded} or {@code torch}. */
    @JsonCreator
    public static TrainerBackend parse(String name) {
      for (TrainerBackend t : values()) {
        if (t.toString().equals(name)) {
          return t;
        }
      }
      throw new IllegalArgumentException("trainer backend must be embedded or torch, was " + name);
    }

    @JsonValue
    @Override
    public String toString() {
      return FieldRule.spelling(this);
    }
  }

  /**
   * The training backend of a run.
   *
   * @param backend embedded or torch
   * @param workers worker ranks (processes) of the torch backend; 1 for embedded
   */
  public record TrainerSpec(TrainerBackend backend, int workers) {
    /** The default: the embedded trainer. */
    public static final TrainerSpec EMBEDDED = new TrainerSpec(TrainerBackend.EMBEDDED, 1);

    /**
     * Leaves the default out of the spec's JSON, so runs on the embedded backend read as before the
     * torch backend existed (Jackson drops a value this filter equals).
     */
    static final class IsEmbedded {
      @Override
      public boolean equals(Object other) {
        return other == null || EMBEDDED.equals(other);
      }

      @Override
      public int hashCode() {
        return 0;
      }
    }
  }

  /** The JSON stored in {@code run.config}. */
  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A spec stored by {@link #toJson}. */
  public static RunSpec fromJson(String json) {
    try {
      return JSON.readValue(json, RunSpec.class);
    } catch (IOException e) {
      throw new UncheckedIOException("not a stored run spec: " + e.getMessage(), e);
    }
  }

  /**
   * JSON of the policy module's enums, which carry no Jackson annotations of their own: the
   * lower-case names of {@link FieldRule#spelling}, read back by the same parsers as a request.
   */
  public static final class Spelling {
    private Spelling() {}

    /** Writes {@code DR_GRPO} as {@code "dr_grpo"}. */
    public static final class Writer extends JsonSerializer<Enum<?>> {
      @Override
      public void serialize(Enum<?> value, JsonGenerator gen, SerializerProvider serializers)
          throws IOException {
        gen.writeString(FieldRule.spelling(value));
      }
    }

    /** Reads a choice as its rule in {@link RunRules} reads the request's spelling. */
    abstract static class RuleReader<E extends Enum<E>> extends JsonDeserializer<E> {
      private final FieldRule.ChoiceRule<E> rule;

      RuleReader(FieldRule.ChoiceRule<E> rule) {
        this.rule = rule;
      }

      @Override
      public E deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        return rule.parse().apply(p.getValueAsString());
      }
    }

    /** Reads a loss variant as {@link RunRules#LOSS_VARIANT} does. */
    public static final class LossVariantReader extends RuleReader<LossVariant> {
      public LossVariantReader() {
        super(RunRules.LOSS_VARIANT);
      }
    }

    /** Reads an objective as {@link RunRules#OBJECTIVE} does. */
    public static final class ObjectiveReader extends RuleReader<LossObjective> {
      public ObjectiveReader() {
        super(RunRules.OBJECTIVE);
      }
    }

    /** Reads an importance level as {@link RunRules#IMPORTANCE_LEVEL} does. */
    public static final class LevelReader extends RuleReader<ImportanceLevel> {
      public LevelReader() {
        super(RunRules.IMPORTANCE_LEVEL);
      }
    }

    /** Reads a correction mode as {@link RunRules#CORRECTION} does. */
    public static final class CorrectionReader extends RuleReader<OffPolicyCorrection.Mode> {
      public CorrectionReader() {
        super(RunRules.CORRECTION);
      }
    }

    /** Reads an advantage scaling as {@link RunRules#SCALE} does. */
    public static final class ScaleReader extends RuleReader<AdvantageScaling> {
      public ScaleReader() {
        super(RunRules.SCALE);
      }
    }

    /** Reads a reward aggregation as {@link RunRules#REWARD_AGGREGATION} does. */
    public static final class AggregationReader extends RuleReader<RewardAggregation> {
      public AggregationReader() {
        super(RunRules.REWARD_AGGREGATION);
      }
    }

    /** Reads a schedule as {@link RunRules#SCHEDULE} does. */
    public static final class ScheduleReader extends RuleReader<LrSchedule> {
      public ScheduleReader() {
        super(RunRules.SCHEDULE);
      }
    }
  }
}
