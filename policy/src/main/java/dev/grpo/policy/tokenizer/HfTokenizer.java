package dev.grpo.policy.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Hugging Face {@code tokenizer.json} run by DJL's bundled Rust tokenizers library.
 *
 * <p>Special-token ids are given explicitly (see {@link Tokenizers#load(Path)} for how they are
 * found). Encoding adds no special tokens and applies no truncation or padding; decoding skips
 * special tokens. Close it to free the native tokenizer.
 */
public final class HfTokenizer implements Tokenizer {

  private final HuggingFaceTokenizer delegate;
  private final byte[] tokenizerJson;
  private final byte[] tokenizerConfig;
  private final int vocabSize;
  private final int bos;
  private final int eos;
  private final int pad;

  HfTokenizer(Path tokenizerJson, int vocabSize, int bos, int eos, int pad) throws IOException {
    this.tokenizerJson = Files.readAllBytes(tokenizerJson);
    Path cfg = tokenizerJson.resolveSibling("tokenizer_config.json");
    this.tokenizerConfig = Files.isRegularFile(cfg) ? Files.readAllBytes(cfg) : null;
    this.delegate =
        HuggingFaceTokenizer.builder()
            .optTokenizerPath(tokenizerJson)
            .optAddSpecialTokens(false)
            .optTruncation(false)
            .optPadding(false)
            .build();
    this.vocabSize = vocabSize;
    this.bos = bos;
    this.eos = eos;
    this.pad = pad;
  }

  @Override
  public int[] encode(String text) {
    long[] ids = delegate.encode(text, false, false).getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = Math.toIntExact(ids[i]);
    }
    return out;
  }

  @Override
  public String decode(int[] ids) {
    long[] l = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      l[i] = ids[i];
    }
    return delegate.decode(l, true);
  }

  @Override
  public int vocabSize() {
    return vocabSize;
  }

  @Override
  public int bosId() {
    return bos;
  }

  @Override
  public int eosId() {
    return eos;
  }

  @Override
  public int padId() {
    return pad;
  }

  /**
   * Writes the original {@code tokenizer.json} bytes (and its {@code tokenizer_config.json}, if
   * any).
   */
  @Override
  public void save(Path path) {
    try {
      Files.write(path, tokenizerJson);
      if (tokenizerConfig != null) {
        Files.write(path.resolveSibling("tokenizer_config.json"), tokenizerConfig);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + path, e);
    }
  }

  /** Frees the native tokenizer. */
  @Override
  public void close() {
    delegate.close();
  }
}
