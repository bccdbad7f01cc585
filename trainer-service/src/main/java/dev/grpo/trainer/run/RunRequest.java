package dev.grpo.trainer.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.grpo.contracts.RewardSpec;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The body of {@code POST /runs}: every field may be left out (boxed, nullable) and then takes its
 * default. {@link RunValidator#complete} checks it and returns the complete {@link RunSpec}, which
 * is what a run stores, uses and reports. The defaults and ranges are in {@link RunRules}; the
 * OpenAPI description of each field is filled from there, so only the fields that have no rule of
 * their own carry a description here.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(description = "Configuration of a GRPO training run; omitted fields take their defaults.")
public record RunRequest(
    String name,
    @Schema(
            description =
                "Initial policy: a checkpoint directory or a random-init model config, and the"
                    + " tokenizer")
        ModelSpec model,
    @Schema(description = "Prompt source: a built-in generator or a JSONL file")
        DatasetSpec dataset,
    @Schema(description = "Reward spec (weighted checkers); default: the generator's default spec")
        RewardSpec rewardSpec,
    Integer groupSize,
    Integer groupsPerStep,
    Integer maxStaleness,
    Boolean dynamicSampling,
    @Schema(description = "Sampling parameters of the rollout workers") SamplingSpec sampling,
    @Schema(description = "Loss variant and hyper-parameters") LossSpec loss,
    @Schema(description = "AdamW and learning-rate schedule") OptimizerSpec optimizer,
    Integer steps,
    @Schema(description = "Held-out evaluation") EvalSpec eval,
    Integer checkpointEvery,
    Long seed,
    @Schema(description = "Training backend: embedded (DJL in the trainer) or torch workers")
        TrainerSpec trainer) {

  /**
   * Where the initial policy comes from. Exactly one of {@code checkpoint} and {@code randomInit}.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ModelSpec(
      @Schema(description = "Absolute path of a Hugging Face checkpoint directory")
          String checkpoint,
      @Schema(description = "A Llama config for a randomly initialised model")
          RandomInit randomInit,
      @Schema(
              description =
                  "Tokenizer; default: the checkpoint's tokenizer.json, or 'char' for random init")
          TokenizerSpec tokenizer) {}

  /** A random-init Llama model; vocabSize defaults to the tokenizer's vocabulary. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record RandomInit(
      Integer vocabSize,
      Integer hiddenSize,
      Integer intermediateSize,
      Integer layers,
      Integer heads,
      Integer kvHeads,
      Integer maxPositions) {}

  /**
   * {@code type} is {@code char} (built-in character tokenizer, optional alphabet) or {@code file}
   * (a tokenizer.json path).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record TokenizerSpec(
      String type,
      @Schema(description = "Characters of a char tokenizer; default: printable ASCII")
          String alphabet,
      @Schema(description = "Absolute path of a tokenizer.json (type file)") String path) {}

  /** Exactly one of {@code generator} and {@code jsonlPath}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record DatasetSpec(
      @Schema(description = "Built-in task generator name, e.g. digit_reverse, addition")
          String generator,
      @Schema(description = "Generator parameters, e.g. {\"maxDigits\": 4}")
          Map<String, Object> params,
      @Schema(description = "Absolute path of a JSONL file with prompt and verification per line")
          String jsonlPath) {}

  /** Sampling parameters sent with every prompt. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record SamplingSpec(Double temperature, Double topP, Integer topK, Integer maxNewTokens) {}

  /** GRPO loss and update settings. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record LossSpec(
      String variant,
      Double epsLow,
      Double epsHigh,
      Double beta,
      Double tisCap,
      Integer mu,
      Integer microBatchSize,
      String objective,
      String importanceLevel,
      Double delta,
      Double tauPos,
      Double tauNeg,
      String correction,
      Double probGapEps,
      Boolean maskTruncated,
      String scale,
      String rewardAggregation) {}

  /** AdamW and schedule. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record OptimizerSpec(
      Double learningRate,
      Double beta1,
      Double beta2,
      Double epsilon,
      Double weightDecay,
      Double maxGradNorm,
      Integer warmupSteps,
      String schedule,
      Double minLrRatio) {}

  /** Training backend; default: the deployment's ({@code grpo.trainer.backend}). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record TrainerSpec(String backend, Integer workers) {}

  /** Held-out evaluation. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record EvalSpec(Integer size, Integer every, Boolean greedy, Long seed) {}
}
