package dev.grpo.trainer.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.grpo.contracts.RewardSpec;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The configuration of a training run, as posted to {@code POST /runs}. Every field may be left out
 * and then takes the default named in its description; {@link RunConfigValidator#complete} returns
 * the config with every default filled in, which is what the run stores and reports.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(description = "Configuration of a GRPO training run; omitted fields take their defaults.")
public record RunConfig(
    @Schema(description = "Human-readable name; default 'run'") String name,
    @Schema(
            description =
                "Initial policy: a checkpoint directory or a random-init model config, and the"
                    + " tokenizer")
        ModelSpec model,
    @Schema(description = "Prompt source: a built-in generator or a JSONL file")
        DatasetSpec dataset,
    @Schema(description = "Reward spec (weighted checkers); default: the generator's default spec")
        RewardSpec rewardSpec,
    @Schema(description = "Completions per prompt (G), 2..256; default 8") Integer groupSize,
    @Schema(description = "Groups per training step, 1..1024; default 4") Integer groupsPerStep,
    @Schema(
            description =
                "Policy versions a group may lag behind the trainer, 0..16; 0 = synchronous"
                    + " on-policy; default 1")
        Integer maxStaleness,
    @Schema(
            description =
                "Drop groups whose rewards are all equal and issue replacements (DAPO); default"
                    + " true")
        Boolean dynamicSampling,
    @Schema(description = "Sampling parameters of the rollout workers") SamplingSpec sampling,
    @Schema(description = "Loss variant and hyper-parameters") LossSpec loss,
    @Schema(description = "AdamW and learning-rate schedule") OptimizerSpec optimizer,
    @Schema(description = "Training steps, 1..1000000; default 100") Integer steps,
    @Schema(description = "Held-out evaluation") EvalSpec eval,
    @Schema(
            description =
                "Save a checkpoint and publish a PolicyVersion every k steps, 1..steps; default 1")
        Integer checkpointEvery,
    @Schema(description = "Seed of prompt order, sampling seeds and random init; default 0")
        Long seed) {

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
      @Schema(description = "default 64") Integer hiddenSize,
      @Schema(description = "default 128") Integer intermediateSize,
      @Schema(description = "default 2") Integer layers,
      @Schema(description = "default 4") Integer heads,
      @Schema(description = "default 2") Integer kvHeads,
      @Schema(description = "default 64") Integer maxPositions) {}

  /**
   * {@code type} is {@code char} (built-in character tokenizer, optional alphabet) or {@code file}
   * (a tokenizer.json path).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record TokenizerSpec(String type, String alphabet, String path) {}

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
  public record SamplingSpec(
      @Schema(description = "> 0; default 1.0") Double temperature,
      @Schema(description = "(0, 1]; default 1.0") Double topP,
      @Schema(description = ">= 0, 0 = off; default 0") Integer topK,
      @Schema(
              description =
                  "1..max_position_embeddings; default: the generator's suggestion, else 64")
          Integer maxNewTokens) {}

  /** GRPO loss and update settings. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record LossSpec(
      @Schema(description = "grpo | bnpo | dapo | dr_grpo; default grpo") String variant,
      @Schema(description = "[0, 1); default 0.2") Double epsLow,
      @Schema(description = ">= 0; default 0.2") Double epsHigh,
      @Schema(description = "KL coefficient >= 0, 0 = no reference model; default 0") Double beta,
      @Schema(description = "Truncated importance weight cap C >= 0, 0 = off; default 2.0")
          Double tisCap,
      @Schema(description = "Inner iterations per batch, 1..16; default 1") Integer mu,
      @Schema(description = "Completions per forward/backward pass, 1..4096; default 32")
          Integer microBatchSize) {}

  /** AdamW and schedule. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record OptimizerSpec(
      @Schema(description = "> 0; default 1e-3") Double learningRate,
      @Schema(description = "[0, 1); default 0.9") Double beta1,
      @Schema(description = "[0, 1); default 0.99") Double beta2,
      @Schema(description = "> 0; default 1e-8") Double epsilon,
      @Schema(description = ">= 0; default 0") Double weightDecay,
      @Schema(description = ">= 0, 0 = off; default 1.0") Double maxGradNorm,
      @Schema(description = ">= 0 optimizer steps; default 0") Integer warmupSteps,
      @Schema(description = "constant | cosine; default constant") String schedule,
      @Schema(description = "Cosine floor as a fraction of the peak, [0, 1]; default 0")
          Double minLrRatio) {}

  /** Held-out evaluation. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record EvalSpec(
      @Schema(description = "Held-out prompts, 0..10000; default 32") Integer size,
      @Schema(description = "Evaluate every n steps, 0 = never; default 10") Integer every,
      @Schema(
              description =
                  "Greedy decoding (true) or sampling with the run's sampling params and 'seed';"
                      + " default true")
          Boolean greedy,
      @Schema(description = "Sampling seed when not greedy; default 0") Long seed) {}
}
