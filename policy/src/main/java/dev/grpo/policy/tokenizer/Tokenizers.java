package dev.grpo.policy.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grpo.policy.model.ModelConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Loads tokenizers from {@code tokenizer.json} and checks them against a model. */
public final class Tokenizers {

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final List<String> BOS_GUESSES =
      List.of("<s>", "<|begin_of_text|>", "<|im_start|>", "<|endoftext|>");
  private static final List<String> EOS_GUESSES =
      List.of("</s>", "<|end_of_text|>", "<|eot_id|>", "<|im_end|>", "<|endoftext|>");
  private static final List<String> PAD_GUESSES =
      List.of("<pad>", "<|pad|>", "<|finetune_right_pad_id|>");

  private Tokenizers() {}

  /**
   * Loads a tokenizer. A {@code tokenizer.json} written by {@link CharTokenizer#save} comes back as
   * a {@link CharTokenizer} (pure Java); anything else is an {@link HfTokenizer}. Special tokens
   * come from {@code tokenizer_config.json} beside the file when present ({@code bos_token}, {@code
   * eos_token}, {@code pad_token}), else from well-known names; a missing pad token falls back to
   * EOS, as Hugging Face training recipes do.
   *
   * @throws IllegalArgumentException when the file is missing or not a tokenizer, or no EOS is
   *     found
   */
  public static Tokenizer load(Path tokenizerJson) {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readAllBytes(tokenizerJson));
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("tokenizer file not found: " + tokenizerJson);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "tokenizer file " + tokenizerJson + " is not valid JSON: " + e.getMessage());
    }
    JsonNode model = root.get("model");
    if (model == null || !model.isObject()) {
      throw new IllegalArgumentException(
          tokenizerJson + ": not a Hugging Face tokenizer.json (no model object)");
    }
    CharTokenizer chars = asCharTokenizer(root);
    if (chars != null) {
      return chars;
    }
    Map<String, Integer> ids = tokenIds(root);
    int vocab = ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
    Map<String, String> roles = readRoles(tokenizerJson.resolveSibling("tokenizer_config.json"));
    int eos = resolve(ids, roles.get("eos_token"), EOS_GUESSES, "eos", tokenizerJson);
    int bos = resolveOr(ids, roles.get("bos_token"), BOS_GUESSES, eos);
    int pad = resolveOr(ids, roles.get("pad_token"), PAD_GUESSES, eos);
    try {
      return new HfTokenizer(tokenizerJson, vocab, bos, eos, pad);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "cannot load tokenizer " + tokenizerJson + ": " + e.getMessage(), e);
    }
  }

  /**
   * Checks that every id the tokenizer can produce is a row of the model's embedding.
   *
   * @throws IllegalArgumentException naming both sizes
   */
  public static void checkFits(Tokenizer tokenizer, ModelConfig config) {
    if (tokenizer.vocabSize() > config.vocabSize()) {
      throw new IllegalArgumentException(
          "tokenizer vocabulary ("
              + tokenizer.vocabSize()
              + " ids) does not fit the model: vocab_size must be >= "
              + tokenizer.vocabSize()
              + ", was "
              + config.vocabSize());
    }
    for (int id : new int[] {tokenizer.bosId(), tokenizer.eosId(), tokenizer.padId()}) {
      if (id < 0 || id >= config.vocabSize()) {
        throw new IllegalArgumentException(
            "special token id " + id + " is outside vocab_size " + config.vocabSize());
      }
    }
  }

  static void writeTokenizerConfig(
      Path tokenizerJson, String bos, String eos, String pad, String unk) throws IOException {
    ObjectNode cfg = JSON.createObjectNode();
    cfg.put("tokenizer_class", "PreTrainedTokenizerFast");
    cfg.put("bos_token", bos);
    cfg.put("eos_token", eos);
    cfg.put("pad_token", pad);
    cfg.put("unk_token", unk);
    cfg.put("add_bos_token", false);
    cfg.put("add_eos_token", false);
    cfg.put("clean_up_tokenization_spaces", false);
    Files.write(tokenizerJson.resolveSibling("tokenizer_config.json"), JSON.writeValueAsBytes(cfg));
  }

  private static CharTokenizer asCharTokenizer(JsonNode root) {
    JsonNode model = root.get("model");
    JsonNode pre = root.get("pre_tokenizer");
    if (!"WordLevel".equals(model.path("type").asText())
        || pre == null
        || !CharTokenizer.CHAR_SPLIT_REGEX.equals(pre.path("pattern").path("Regex").asText())
        || !"Fuse".equals(root.path("decoder").path("type").asText())) {
      return null;
    }
    JsonNode vocab = model.get("vocab");
    int n = vocab.size();
    StringBuilder alphabet = new StringBuilder();
    for (int id = CharTokenizer.SPECIAL_TOKENS.size(); id < n; id++) {
      String found = null;
      for (var it = vocab.fields(); it.hasNext(); ) {
        var e = it.next();
        if (e.getValue().asInt() == id) {
          found = e.getKey();
          break;
        }
      }
      if (found == null || found.codePointCount(0, found.length()) != 1) {
        return null;
      }
      alphabet.append(found);
    }
    for (int i = 0; i < CharTokenizer.SPECIAL_TOKENS.size(); i++) {
      if (vocab.path(CharTokenizer.SPECIAL_TOKENS.get(i)).asInt(-1) != i) {
        return null;
      }
    }
    return alphabet.length() == 0 ? null : new CharTokenizer(alphabet.toString());
  }

  private static Map<String, Integer> tokenIds(JsonNode root) {
    Map<String, Integer> ids = new HashMap<>();
    JsonNode vocab = root.path("model").get("vocab");
    if (vocab != null && vocab.isObject()) {
      vocab.fields().forEachRemaining(e -> ids.put(e.getKey(), e.getValue().asInt()));
    } else if (vocab != null && vocab.isArray()) {
      // Unigram: [[piece, score], ...], the id is the position.
      for (int i = 0; i < vocab.size(); i++) {
        ids.put(vocab.get(i).get(0).asText(), i);
      }
    }
    for (JsonNode t : root.path("added_tokens")) {
      ids.put(t.path("content").asText(), t.path("id").asInt());
    }
    return ids;
  }

  private static Map<String, String> readRoles(Path tokenizerConfig) {
    Map<String, String> roles = new HashMap<>();
    if (!Files.isRegularFile(tokenizerConfig)) {
      return roles;
    }
    try {
      JsonNode cfg = JSON.readTree(Files.readAllBytes(tokenizerConfig));
      for (String role : List.of("bos_token", "eos_token", "pad_token")) {
        JsonNode n = cfg.get(role);
        if (n != null && n.isTextual()) {
          roles.put(role, n.asText());
        } else if (n != null && n.isObject() && n.has("content")) {
          roles.put(role, n.get("content").asText());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + tokenizerConfig, e);
    }
    return roles;
  }

  private static int resolve(
      Map<String, Integer> ids, String configured, List<String> guesses, String role, Path src) {
    int id = resolveOr(ids, configured, guesses, -1);
    if (id < 0) {
      throw new IllegalArgumentException(
          src
              + ": no "
              + role
              + " token: set "
              + role
              + "_token in tokenizer_config.json or use one of "
              + guesses);
    }
    return id;
  }

  private static int resolveOr(
      Map<String, Integer> ids, String configured, List<String> guesses, int fallback) {
    if (configured != null && ids.containsKey(configured)) {
      return ids.get(configured);
    }
    for (String g : guesses) {
      if (ids.containsKey(g)) {
        return ids.get(g);
      }
    }
    return fallback;
  }
}
