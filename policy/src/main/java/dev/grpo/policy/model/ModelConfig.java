package dev.grpo.policy.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * The hyper-parameters of a Llama-family decoder, read from and written to a Hugging Face {@code
 * config.json}.
 *
 * <p>Supported architectures are {@value #LLAMA} and {@value #QWEN2}. Qwen2 always carries q/k/v
 * biases (its Hugging Face config has no switch for it), Llama carries them only when {@code
 * attention_bias} is true. Features this runtime does not implement ({@code rope_scaling}, {@code
 * mlp_bias}, a {@code head_dim} different from {@code hidden_size / num_attention_heads}, sliding
 * window attention) are rejected on read rather than silently ignored.
 *
 * @param architecture {@value #LLAMA} or {@value #QWEN2}
 * @param vocabSize rows of the embedding and of the output head
 * @param hiddenSize model width
 * @param intermediateSize width of the SwiGLU MLP
 * @param numHiddenLayers decoder layers
 * @param numAttentionHeads query heads
 * @param numKeyValueHeads key/value heads (grouped-query attention); divides numAttentionHeads
 * @param maxPositionEmbeddings longest sequence (prompt + completion) the model accepts
 * @param rmsNormEps epsilon inside RMSNorm
 * @param ropeTheta base of the rotary frequencies
 * @param tieWordEmbeddings whether lm_head shares the embedding matrix
 * @param attentionBias whether q/k/v projections have biases (always true for Qwen2)
 * @param bosTokenId beginning-of-sequence id
 * @param eosTokenId end-of-sequence id
 * @param initializerRange standard deviation of the random initialisation
 */
public record ModelConfig(
    String architecture,
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int numKeyValueHeads,
    int maxPositionEmbeddings,
    double rmsNormEps,
    double ropeTheta,
    boolean tieWordEmbeddings,
    boolean attentionBias,
    int bosTokenId,
    int eosTokenId,
    double initializerRange) {

  /** Hugging Face architecture name of Llama. */
  public static final String LLAMA = "LlamaForCausalLM";

  /** Hugging Face architecture name of Qwen2 / Qwen2.5. */
  public static final String QWEN2 = "Qwen2ForCausalLM";

  /** Architectures this runtime implements. */
  public static final List<String> SUPPORTED_ARCHITECTURES = List.of(LLAMA, QWEN2);

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Validates every field; the message names the field, its value and the rule. */
  public ModelConfig {
    if (architecture == null || !SUPPORTED_ARCHITECTURES.contains(architecture)) {
      throw new IllegalArgumentException(
          "architecture must be one of " + SUPPORTED_ARCHITECTURES + ", was " + architecture);
    }
    positive("vocab_size", vocabSize);
    positive("hidden_size", hiddenSize);
    positive("intermediate_size", intermediateSize);
    positive("num_hidden_layers", numHiddenLayers);
    positive("num_attention_heads", numAttentionHeads);
    positive("num_key_value_heads", numKeyValueHeads);
    positive("max_position_embeddings", maxPositionEmbeddings);
    if (hiddenSize % numAttentionHeads != 0) {
      throw new IllegalArgumentException(
          "hidden_size must be divisible by num_attention_heads ("
              + numAttentionHeads
              + "), was "
              + hiddenSize);
    }
    if ((hiddenSize / numAttentionHeads) % 2 != 0) {
      throw new IllegalArgumentException(
          "head dim (hidden_size / num_attention_heads) must be even for"
              + " rotary embeddings, was "
              + hiddenSize / numAttentionHeads);
    }
    if (numAttentionHeads % numKeyValueHeads != 0) {
      throw new IllegalArgumentException(
          "num_attention_heads ("
              + numAttentionHeads
              + ") must be divisible by num_key_value_heads, was "
              + numKeyValueHeads);
    }
    if (!(rmsNormEps > 0) || !Double.isFinite(rmsNormEps)) {
      throw new IllegalArgumentException(
          "rms_norm_eps must be a finite number > 0, was " + rmsNormEps);
    }
    if (!(ropeTheta > 0) || !Double.isFinite(ropeTheta)) {
      throw new IllegalArgumentException(
          "rope_theta must be a finite number > 0, was " + ropeTheta);
    }
    if (!(initializerRange > 0) || !Double.isFinite(initializerRange)) {
      throw new IllegalArgumentException(
          "initializer_range must be a finite number > 0, was " + initializerRange);
    }
    tokenId("bos_token_id", bosTokenId, vocabSize);
    tokenId("eos_token_id", eosTokenId, vocabSize);
    if (QWEN2.equals(architecture) && !attentionBias) {
      throw new IllegalArgumentException(
          "attention_bias must be true for " + QWEN2 + " (Qwen2 always has q/k/v bias), was false");
    }
  }

  /** A small Llama configuration with Hugging Face defaults for the rest, for tests and demos. */
  public static ModelConfig llama(
      int vocabSize,
      int hiddenSize,
      int intermediateSize,
      int layers,
      int heads,
      int kvHeads,
      int maxPositions) {
    return new ModelConfig(
        LLAMA,
        vocabSize,
        hiddenSize,
        intermediateSize,
        layers,
        heads,
        kvHeads,
        maxPositions,
        1e-6,
        10000.0,
        false,
        false,
        1,
        2,
        0.02);
  }

  /** Width of one attention head. */
  public int headDim() {
    return hiddenSize / numAttentionHeads;
  }

  /** Query heads that share one key/value head. */
  public int queriesPerKeyValueHead() {
    return numAttentionHeads / numKeyValueHeads;
  }

  /** Returns a copy with another architecture (Qwen2 forces attention bias on). */
  public ModelConfig withArchitecture(String arch) {
    return new ModelConfig(
        arch,
        vocabSize,
        hiddenSize,
        intermediateSize,
        numHiddenLayers,
        numAttentionHeads,
        numKeyValueHeads,
        maxPositionEmbeddings,
        rmsNormEps,
        ropeTheta,
        tieWordEmbeddings,
        QWEN2.equals(arch) || attentionBias,
        bosTokenId,
        eosTokenId,
        initializerRange);
  }

  /** Returns a copy with tied or untied word embeddings. */
  public ModelConfig withTiedEmbeddings(boolean tied) {
    return new ModelConfig(
        architecture,
        vocabSize,
        hiddenSize,
        intermediateSize,
        numHiddenLayers,
        numAttentionHeads,
        numKeyValueHeads,
        maxPositionEmbeddings,
        rmsNormEps,
        ropeTheta,
        tied,
        attentionBias,
        bosTokenId,
        eosTokenId,
        initializerRange);
  }

  /** Returns a copy with other special token ids. */
  public ModelConfig withSpecialTokens(int bos, int eos) {
    return new ModelConfig(
        architecture,
        vocabSize,
        hiddenSize,
        intermediateSize,
        numHiddenLayers,
        numAttentionHeads,
        numKeyValueHeads,
        maxPositionEmbeddings,
        rmsNormEps,
        ropeTheta,
        tieWordEmbeddings,
        attentionBias,
        bos,
        eos,
        initializerRange);
  }

  /**
   * Reads a Hugging Face {@code config.json}.
   *
   * @throws IllegalArgumentException when the file is missing, not JSON, names an unsupported
   *     architecture, lacks a required field or uses a feature this runtime does not implement
   */
  public static ModelConfig read(Path configJson) {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readAllBytes(configJson));
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("config file not found: " + configJson);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "config file " + configJson + " is not valid JSON: " + e.getMessage());
    }
    return fromJson(root, configJson.toString());
  }

  /** Parses the JSON tree of a Hugging Face config; {@code source} names it in errors. */
  public static ModelConfig fromJson(JsonNode root, String source) {
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(source + ": config must be a JSON object");
    }
    JsonNode archs = root.get("architectures");
    if (archs == null || !archs.isArray() || archs.size() != 1) {
      throw new IllegalArgumentException(
          source + ": architectures must be a one-element array, was " + archs);
    }
    String arch = archs.get(0).asText();
    if (!SUPPORTED_ARCHITECTURES.contains(arch)) {
      throw new IllegalArgumentException(
          source + ": unknown architecture " + arch + ", supported: " + SUPPORTED_ARCHITECTURES);
    }
    JsonNode scaling = root.get("rope_scaling");
    if (scaling != null && !scaling.isNull()) {
      throw new IllegalArgumentException(
          source + ": rope_scaling is not supported, was " + scaling);
    }
    if (root.path("mlp_bias").asBoolean(false)) {
      throw new IllegalArgumentException(source + ": mlp_bias must be false, was true");
    }
    if (root.path("use_sliding_window").asBoolean(false)) {
      throw new IllegalArgumentException(source + ": use_sliding_window must be false, was true");
    }
    int hidden = requiredInt(root, "hidden_size", source);
    int heads = requiredInt(root, "num_attention_heads", source);
    JsonNode headDim = root.get("head_dim");
    if (headDim != null && !headDim.isNull() && heads > 0 && headDim.asInt() != hidden / heads) {
      throw new IllegalArgumentException(
          source
              + ": head_dim must equal hidden_size / num_attention_heads ("
              + hidden / heads
              + "), was "
              + headDim.asInt());
    }
    boolean bias = QWEN2.equals(arch) || root.path("attention_bias").asBoolean(false);
    try {
      return new ModelConfig(
          arch,
          requiredInt(root, "vocab_size", source),
          hidden,
          requiredInt(root, "intermediate_size", source),
          requiredInt(root, "num_hidden_layers", source),
          heads,
          root.path("num_key_value_heads").isNumber()
              ? root.get("num_key_value_heads").asInt()
              : heads,
          root.path("max_position_embeddings").asInt(2048),
          root.path("rms_norm_eps").asDouble(1e-6),
          root.path("rope_theta").asDouble(10000.0),
          root.path("tie_word_embeddings").asBoolean(false),
          bias,
          singleTokenId(root, "bos_token_id", 1, source),
          singleTokenId(root, "eos_token_id", 2, source),
          root.path("initializer_range").asDouble(0.02));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
    }
  }

  /** Writes this configuration as a Hugging Face {@code config.json}. */
  public void write(Path configJson) {
    try {
      Files.write(configJson, JSON.writeValueAsBytes(toJson()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + configJson, e);
    }
  }

  /** The Hugging Face JSON form, with the fields standard tooling expects. */
  public ObjectNode toJson() {
    ObjectNode o = JSON.createObjectNode();
    o.putArray("architectures").add(architecture);
    o.put("model_type", QWEN2.equals(architecture) ? "qwen2" : "llama");
    o.put("vocab_size", vocabSize);
    o.put("hidden_size", hiddenSize);
    o.put("intermediate_size", intermediateSize);
    o.put("num_hidden_layers", numHiddenLayers);
    o.put("num_attention_heads", numAttentionHeads);
    o.put("num_key_value_heads", numKeyValueHeads);
    o.put("head_dim", headDim());
    o.put("max_position_embeddings", maxPositionEmbeddings);
    o.put("rms_norm_eps", rmsNormEps);
    o.put("rope_theta", ropeTheta);
    o.putNull("rope_scaling");
    o.put("tie_word_embeddings", tieWordEmbeddings);
    if (!QWEN2.equals(architecture)) {
      o.put("attention_bias", attentionBias);
      o.put("mlp_bias", false);
    } else {
      o.put("use_sliding_window", false);
    }
    o.put("attention_dropout", 0.0);
    o.put("hidden_act", "silu");
    o.put("bos_token_id", bosTokenId);
    o.put("eos_token_id", eosTokenId);
    o.put("initializer_range", initializerRange);
    o.put("torch_dtype", "float32");
    o.put("use_cache", true);
    return o;
  }

  private static int requiredInt(JsonNode root, String field, String source) {
    JsonNode n = root.get(field);
    if (n == null || !n.canConvertToInt()) {
      throw new IllegalArgumentException(source + ": " + field + " must be an integer, was " + n);
    }
    return n.asInt();
  }

  private static int singleTokenId(JsonNode root, String field, int dflt, String source) {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      return dflt;
    }
    // Some configs (Llama 3 instruct) list several EOS ids; the first is the canonical one.
    if (n.isArray() && n.size() > 0) {
      return n.get(0).asInt();
    }
    if (!n.canConvertToInt()) {
      throw new IllegalArgumentException(source + ": " + field + " must be an integer, was " + n);
    }
    return n.asInt();
  }

  private static void positive(String field, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(field + " must be > 0, was " + value);
    }
  }

  private static void tokenId(String field, int value, int vocabSize) {
    if (value < 0 || value >= vocabSize) {
      throw new IllegalArgumentException(
          field + " must be in [0, vocab_size=" + vocabSize + "), was " + value);
    }
  }
}
