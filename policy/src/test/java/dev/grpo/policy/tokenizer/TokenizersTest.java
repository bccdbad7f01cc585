package dev.grpo.policy.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.policy.model.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizersTest {

  @TempDir Path dir;

  @Test
  void charTokenizerRoundTripsAndKeepsSpecialsExplicit() {
    CharTokenizer tok = CharTokenizer.printableAscii();
    int[] ids = tok.encode("12+7=19\n");
    assertThat(ids)
        .hasSize(8)
        .doesNotContain(CharTokenizer.BOS, CharTokenizer.EOS, CharTokenizer.PAD);
    int[] withSpecials = new int[ids.length + 2];
    withSpecials[0] = tok.bosId();
    System.arraycopy(ids, 0, withSpecials, 1, ids.length);
    withSpecials[ids.length + 1] = tok.eosId();
    assertThat(tok.decode(withSpecials)).isEqualTo("12+7=19\n");
    assertThat(tok.encode("é")).containsExactly(CharTokenizer.UNK);
    assertThat(tok.vocabSize()).isEqualTo(4 + 96);
  }

  @Test
  void savedCharTokenizerLoadsBackAndHuggingFaceRuntimeAgrees() throws Exception {
    CharTokenizer tok = new CharTokenizer("abc xyz0123456789+=\n");
    Path file = dir.resolve("tokenizer.json");
    tok.save(file);
    assertThat(dir.resolve("tokenizer_config.json")).exists();
    Tokenizer back = Tokenizers.load(file);
    assertThat(back).isInstanceOf(CharTokenizer.class);
    assertThat(((CharTokenizer) back).alphabet()).isEqualTo(tok.alphabet());

    // The same file through the Rust tokenizers library: same ids, same text.
    String text = "ab 12+3=15\nzz";
    try (HfTokenizer hf = new HfTokenizer(file, tok.vocabSize(), 1, 2, 0)) {
      assertThat(hf.encode(text)).containsExactly(tok.encode(text));
      int[] ids = tok.encode(text);
      int[] withEos = java.util.Arrays.copyOf(ids, ids.length + 1);
      withEos[ids.length] = tok.eosId();
      assertThat(hf.decode(withEos)).isEqualTo(text);
    }
  }

  @Test
  void generalHfTokenizerFindsSpecialTokensFromConfig() throws Exception {
    new CharTokenizer("abc").save(dir.resolve("tokenizer.json"));
    // Make it look like a foreign tokenizer: a different decoder disables the CharTokenizer fast
    // path.
    String json =
        Files.readString(dir.resolve("tokenizer.json"))
            .replace("\"Fuse\"", "\"Fuse\" ")
            .replace("\"decoder\" : {\n    \"type\" : \"Fuse\" \n  }", "\"decoder\" : null");
    Files.writeString(dir.resolve("tokenizer.json"), json);
    Tokenizer t = Tokenizers.load(dir.resolve("tokenizer.json"));
    assertThat(t).isInstanceOf(HfTokenizer.class);
    assertThat(t.eosId()).isEqualTo(2);
    assertThat(t.bosId()).isEqualTo(1);
    assertThat(t.padId()).isEqualTo(0);
    assertThat(t.vocabSize()).isEqualTo(7);
    assertThat(t.encode("cab")).containsExactly(6, 4, 5);
    ((HfTokenizer) t).close();
  }

  @Test
  void vocabularyThatDoesNotFitTheModelIsRejected() {
    ModelConfig small = ModelConfig.llama(50, 32, 48, 1, 4, 2, 64);
    assertThatThrownBy(() -> Tokenizers.checkFits(CharTokenizer.printableAscii(), small))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "tokenizer vocabulary (100 ids) does not fit the model: vocab_size must be >= 100, was"
                + " 50");
    assertThatThrownBy(() -> Tokenizers.load(dir.resolve("missing.json")))
        .hasMessageContaining("tokenizer file not found");
  }
}
