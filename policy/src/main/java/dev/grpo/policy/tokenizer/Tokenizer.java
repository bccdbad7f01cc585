package dev.grpo.policy.tokenizer;

import java.nio.file.Path;

/**
 * Text to token ids and back, with the special tokens handled explicitly.
 *
 * <p>{@link #encode} never adds special tokens: the prompt layout with its BOS is built in one
 * place, {@link PromptEncoding#withBos}. {@link #decode} drops the special tokens (BOS, EOS, pad),
 * so a completion that ends in EOS decodes to its text only.
 *
 * <p>A tokenizer may hold native resources ({@link HfTokenizer}); whoever creates one closes it,
 * with try-with-resources.
 */
public interface Tokenizer extends AutoCloseable {

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

  /**
   * Frees what the tokenizer holds outside the Java heap (none by default). Throws no checked
   * exception, so closing needs no try/catch.
   */
  @Override
  default void close() {}
}
