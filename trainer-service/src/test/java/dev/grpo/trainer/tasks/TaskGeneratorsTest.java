package dev.grpo.trainer.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskGeneratorsTest {

  @Test
  void digitReverseMakesTheDocumentedPrompt() {
    var e =
        new DigitReverseTask()
            .generate(new SplittableRandom(1), Map.of("minDigits", 3, "maxDigits", 3));
    assertThat(e.prompt()).matches("rev \\d \\d \\d=");
    String digits = e.prompt().replaceAll("[^0-9]", "");
    assertThat(e.verification().get("answer"))
        .isEqualTo(new StringBuilder(digits).reverse().toString());
  }

  @Test
  void digitMaxAnswerIsTheLargestDigitAndUsesOnlyTheDemoAlphabet() {
    for (int i = 0; i < 200; i++) {
      var e = new DigitMaxTask().generate(new SplittableRandom(i), Map.of());
      assertThat(e.prompt()).matches("max \\d{4}=");
      int max = e.prompt().chars().filter(Character::isDigit).map(c -> c - '0').max().orElseThrow();
      assertThat(e.verification().get("answer")).isEqualTo(Integer.toString(max));
      assertThat(e.prompt().chars().allMatch(c -> DigitMaxTask.ALPHABET.indexOf(c) >= 0)).isTrue();
    }
    assertThatThrownBy(() -> new DigitMaxTask().validate(Map.of("digits", 10)))
        .hasMessageContaining("digits must be an integer in [1, 9], was 10");
  }

  @Test
  void additionAnswerIsTheSum() {
    for (int i = 0; i < 100; i++) {
      var e = new AdditionTask().generate(new SplittableRandom(i), Map.of());
      String[] parts = e.prompt().replace("=", "").split("\\+");
      assertThat(e.verification().get("answer"))
          .isEqualTo(Long.toString(Long.parseLong(parts[0]) + Long.parseLong(parts[1])));
    }
  }

  @Test
  void generatedDatasetIsDeterministicAndEvalNeverOverlapsTrain() {
    var a =
        new GeneratedDataset(new DigitReverseTask(), Map.of("minDigits", 2, "maxDigits", 3), 7, 50);
    var b =
        new GeneratedDataset(new DigitReverseTask(), Map.of("minDigits", 2, "maxDigits", 3), 7, 50);
    assertThat(a.eval()).isEqualTo(b.eval()).hasSize(50);
    var evalIds = new HashSet<String>();
    a.eval().forEach(e -> evalIds.add(e.promptId()));
    assertThat(evalIds).hasSize(50);
    for (long i = 0; i < 2000; i++) {
      assertThat(a.train(i)).isEqualTo(b.train(i));
      assertThat(evalIds).doesNotContain(a.train(i).promptId());
    }
    var other =
        new GeneratedDataset(new DigitReverseTask(), Map.of("minDigits", 2, "maxDigits", 3), 8, 50);
    assertThat(other.eval()).isNotEqualTo(a.eval());
  }

  @Test
  void evalLargerThanTheTaskSpaceIsRefused() {
    // One digit: 10 distinct prompts.
    assertThatThrownBy(
            () ->
                new GeneratedDataset(
                    new DigitReverseTask(), Map.of("minDigits", 1, "maxDigits", 1), 0, 11))
        .hasMessageContaining("dataset.evalSize must be at most");
  }

  @Test
  void generatorParamsAreChecked() {
    assertThatThrownBy(() -> new DigitReverseTask().validate(Map.of("maxDigits", 0)))
        .hasMessage("maxDigits must be an integer in [1, 20], was 0");
    assertThatThrownBy(() -> new DigitReverseTask().validate(Map.of("digits", 3)))
        .hasMessageContaining("digits must be one of the known parameters");
    assertThatThrownBy(
            () -> new DigitReverseTask().validate(Map.of("minDigits", 4, "maxDigits", 3)))
        .hasMessage("maxDigits must be >= minDigits (4), was 3");
  }

  @Test
  void jsonlSplitsHeldOutLinesAndCyclesTraining(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("d.jsonl");
    var lines = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      lines
          .append("{\"id\":\"q")
          .append(i)
          .append("\",\"prompt\":\"p")
          .append(i % 18)
          .append("\",\"verification\":{\"answer\":\"")
          .append(i)
          .append("\"}}\n");
    }
    Files.writeString(f, lines);
    var d = new JsonlDataset(f, 3, 4);
    assertThat(d.eval()).hasSize(4);
    var evalPrompts = new HashSet<String>();
    d.eval().forEach(e -> evalPrompts.add(e.prompt()));
    var seen = new HashSet<String>();
    for (int i = 0; i < d.trainSize(); i++) {
      TaskExample e = d.train(i);
      assertThat(evalPrompts).doesNotContain(e.prompt());
      seen.add(e.promptId());
    }
    assertThat(seen).as("one epoch visits every training line once").hasSize(d.trainSize());
    assertThat(d.train(3)).isEqualTo(new JsonlDataset(f, 3, 4).train(3));
  }

  @Test
  void jsonlErrorsNameTheLineAndField(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("bad.jsonl");
    Files.writeString(f, "{\"prompt\":\"a\"}\n{\"prompt\":5}\n");
    assertThatThrownBy(() -> new JsonlDataset(f, 0, 0))
        .hasMessageContaining("line 2: prompt must be a non-empty string");
  }

  @Test
  void registryFindsByName() {
    var r = new TaskGenerators(List.of(new DigitReverseTask(), new AdditionTask()));
    assertThat(r.names()).containsExactly("addition", "digit_reverse");
    assertThat(r.find("digit_reverse")).isPresent();
  }
}
