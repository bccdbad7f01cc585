package dev.grpo.policy.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * A character tokenizer for small synthetic tasks: one token per Unicode code point of a fixed
 * alphabet, after four special tokens {@code <pad>=0, <s>=1 (BOS), </s>=2 (EOS), <unk>=3}.
 *
 * <p>Characters outside the alphabet encode to {@code <unk>}. {@link #save} writes an equivalent
 * Hugging Face {@code tokenizer.json} (WordLevel model, one-character split, Fuse decoder), so
 * standard tooling and {@link HfTokenizer} produce the same ids.
 */
public final class CharTokenizer implements Tokenizer {

  /** Padding id. */
  public static final int PAD = 0;

  /** Beginning-of-sequence id. */
  public static final int BOS = 1;

  /** End-of-sequence id. */
  public static final int EOS = 2;

  /** Unknown-character id. */
  public static final int UNK = 3;

  /** Names of the special tokens, indexed by id. */
  public static final List<String> SPECIAL_TOKENS = List.of("<pad>", "<s>", "</s>", "<unk>");

  /** Printable ASCII plus newline: enough for arithmetic and short text tasks. */
  public static final String PRINTABLE_ASCII;

  static {
    StringBuilder sb = new StringBuilder("\n");
    for (char c = 32; c < 127; c++) {
      sb.append(c);
    }
    PRINTABLE_ASCII = sb.toString();
  }

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final int[] codePoints;
  private final Map<Integer, Integer> idOf = new HashMap<>();

  /**
   * A tokenizer over the distinct code points of {@code alphabet}, in order of first appearance.
   *
   * @throws IllegalArgumentException when the alphabet is empty
   */
  public CharTokenizer(String alphabet) {
    if (alphabet == null || alphabet.isEmpty()) {
      throw new IllegalArgumentException("alphabet must contain at least one character, was empty");
    }
    LinkedHashSet<Integer> distinct = new LinkedHashSet<>();
    alphabet.codePoints().forEach(distinct::add);
    codePoints = distinct.stream().mapToInt(Integer::intValue).toArray();
    for (int i = 0; i < codePoints.length; i++) {
      idOf.put(codePoints[i], SPECIAL_TOKENS.size() + i);
    }
  }

  /** A tokenizer over {@link #PRINTABLE_ASCII}. */
  public static CharTokenizer printableAscii() {
    return new CharTokenizer(PRINTABLE_ASCII);
  }

  /** The alphabet, in id order. */
  public String alphabet() {
    return new String(codePoints, 0, codePoints.length);
  }

  @Override
  public int[] encode(String text) {
    return text.codePoints().map(cp -> idOf.getOrDefault(cp, UNK)).toArray();
  }

  @Override
  public String decode(int[] ids) {
    StringBuilder sb = new StringBuilder();
    for (int id : ids) {
      if (id == UNK) {
        sb.append('\uFFFD');
      } else if (id >= SPECIAL_TOKENS.size() && id < vocabSize()) {
        sb.appendCodePoint(codePoints[id - SPECIAL_TOKENS.size()]);
      } else if (id < 0 || id >= vocabSize()) {
        throw new IllegalArgumentException(
            "token id must be in [0, " + vocabSize() + "), was " + id);
      }
    }
    return sb.toString();
  }

  @Override
  public int vocabSize() {
    return SPECIAL_TOKENS.size() + codePoints.length;
  }

  @Override
  public int bosId() {
    return BOS;
  }

  @Override
  public int eosId() {
    return EOS;
  }

  @Override
  public int padId() {
    return PAD;
  }

  @Override
  public void save(Path tokenizerJson) {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    for (int i = 0; i < SPECIAL_TOKENS.size(); i++) {
      ObjectNode t = added.addObject();
      t.put("id", i);
      t.put("content", SPECIAL_TOKENS.get(i));
      t.put("single_word", false);
      t.put("lstrip", false);
      t.put("rstrip", false);
      t.put("normalized", false);
      t.put("special", true);
    }
    root.putNull("normalizer");
    ObjectNode pre = root.putObject("pre_tokenizer");
    pre.put("type", "Split");
    pre.putObject("pattern").put("Regex", CHAR_SPLIT_REGEX);
    pre.put("behavior", "Isolated");
    pre.put("invert", false);
    root.putNull("post_processor");
    root.putObject("decoder").put("type", "Fuse");
    ObjectNode model = root.putObject("model");
    model.put("type", "WordLevel");
    ObjectNode vocab = model.putObject("vocab");
    for (int i = 0; i < SPECIAL_TOKENS.size(); i++) {
      vocab.put(SPECIAL_TOKENS.get(i), i);
    }
    for (int i = 0; i < codePoints.length; i++) {
      vocab.put(new String(codePoints, i, 1), SPECIAL_TOKENS.size() + i);
    }
    model.put("unk_token", SPECIAL_TOKENS.get(UNK));
    try {
      Files.write(tokenizerJson, JSON.writeValueAsBytes(root));
      Tokenizers.writeTokenizerConfig(
          tokenizerJson,
          SPECIAL_TOKENS.get(BOS),
          SPECIAL_TOKENS.get(EOS),
          SPECIAL_TOKENS.get(PAD),
          SPECIAL_TOKENS.get(UNK));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + tokenizerJson, e);
    }
  }

  /** One match per character, newlines included. */
  static final String CHAR_SPLIT_REGEX = "[\\s\\S]";
}
