package dev.grpo.policy.tokenizer;

import java.nio.file.Path;

/**
 * Text to token ids and back, with the special tokens handled explicitly.
 *
 * <p>{@link #encode} never adds special tokens: a caller that wants a BOS prepends {@link #bosId()}
 * itself, so the prompt layout is visible where it is built. {@link #decode} drops the special
 * tokens (BOS, EOS, pad), so a completion that ends in EOS decodes to its text only.
 */
public interface Tokenizer {

  /** Token ids of {@code text}, without any special token. */
  int[] encode(String text);

  /** Text of {@code ids}, skipping special tokens. */
  String decode(int[] ids);

  /**
   * One more than the largest id this tokenizer can produce; must not exceed the model's
   * vocab_size.
   */
  int vocabSize();

  /** Beginning-of-sequence id. */
  int bosId();

  /** End-of-sequence id; generation stops on it. */
  int eosId();

  /** Id used to pad batches (never attended to). */
  int padId();

  /**
   * Writes a Hugging Face {@code tokenizer.json} (and a {@code tokenizer_config.json} beside it).
   */
  void save(Path tokenizerJson);
}
