package dev.grpo.policy.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromptEncodingTest {
  @TempDir Path dir;

  @Test
  void isBosThenThePromptsTokensWhateverTheTokenizer() throws Exception {
    CharTokenizer chars = new CharTokenizer("0123456789 =max");
    assertThat(PromptEncoding.withBos(chars, "max 4170="))
        .startsWith(CharTokenizer.BOS)
        .hasSize(1 + "max 4170=".length())
        .containsSubsequence(chars.encode("max 4170="));
    assertThat(PromptEncoding.withBos(chars, "")).containsExactly(CharTokenizer.BOS);

    Path file = dir.resolve("tokenizer.json");
    chars.save(file);
    try (HfTokenizer hf = new HfTokenizer(file, chars.vocabSize(), 1, 2, 0)) {
      assertThat(PromptEncoding.withBos(hf, "max 4170="))
          .containsExactly(PromptEncoding.withBos(chars, "max 4170="));
    }
  }

  @Test
  void closingATokenizerNeedsNoTryCatchAndIsANoOpForPureJavaOnes() {
    Tokenizer t = CharTokenizer.printableAscii();
    try (t) {
      assertThat(t.encode("a")).hasSize(1);
    }
    assertThat(t.encode("a")).hasSize(1); // nothing to free, still usable
  }
}
