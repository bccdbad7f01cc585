package dev.grpo.policy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grpo.policy.model.ModelConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyCliTest {

  @TempDir Path dir;
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();

  int run(String... args) {
    out.reset();
    err.reset();
    return PolicyCli.run(args, new PrintStream(out, true), new PrintStream(err, true));
  }

  @Test
  void initSampleLogprobsInspectAgree() throws Exception {
    ModelConfig.llama(100, 32, 64, 2, 4, 2, 64).write(dir.resolve("config.json"));
    Path ckpt = dir.resolve("ckpt");
    assertThat(
            run(
                "init",
                "--config",
                dir.resolve("config.json").toString(),
                "--out",
                ckpt.toString()))
        .isZero();
    Files.writeString(dir.resolve("prompts.txt"), "1+1=\n{\"prompt\": \"two\\nlines\"}\n");
    assertThat(
            run(
                "sample",
                "--checkpoint",
                ckpt.toString(),
                "--prompts",
                dir.resolve("prompts.txt").toString(),
                "--max-new-tokens",
                "4",
                "--seed",
                "3"))
        .as(err.toString())
        .isZero();
    String[] lines = out.toString().trim().split("\n");
    assertThat(lines).hasSize(2);
    JsonNode first = new ObjectMapper().readTree(lines[0]);
    assertThat(first.get("completion_ids")).hasSizeBetween(1, 4);

    // logprobs of the sampled completion at temperature 1 reproduce the sampler's log-probs.
    Files.writeString(
        dir.resolve("lp.json"),
        "{\"prompt_ids\":"
            + first.get("prompt_ids")
            + ",\"completion_ids\":"
            + first.get("completion_ids")
            + "}");
    assertThat(
            run(
                "logprobs",
                "--checkpoint",
                ckpt.toString(),
                "--input",
                dir.resolve("lp.json").toString()))
        .isZero();
    JsonNode lp = new ObjectMapper().readTree(out.toString()).get("logprobs");
    for (int i = 0; i < lp.size(); i++) {
      assertThat(lp.get(i).asDouble())
          .isCloseTo(
              first.get("logprobs").get(i).asDouble(), org.assertj.core.data.Offset.offset(1e-4));
    }
    assertThat(run("inspect", "--checkpoint", ckpt.toString())).isZero();
    assertThat(new ObjectMapper().readTree(out.toString()).get("parameters").asLong()).isPositive();

    // Commands that take token ids need no tokenizer.json.
    Files.delete(ckpt.resolve("tokenizer.json"));
    assertThat(
            run(
                "logprobs",
                "--checkpoint",
                ckpt.toString(),
                "--input",
                dir.resolve("lp.json").toString()))
        .as(err.toString())
        .isZero();
    JsonNode again = new ObjectMapper().readTree(out.toString()).get("logprobs");
    assertThat(again).isEqualTo(lp);
    assertThat(
            run(
                "sample",
                "--checkpoint",
                ckpt.toString(),
                "--prompts",
                dir.resolve("prompts.txt").toString()))
        .isEqualTo(2);
  }

  @Test
  void badInputGivesOneLineErrorAndNonZeroExit() throws Exception {
    assertThat(run("inspect", "--checkpoint", dir.resolve("missing").toString())).isEqualTo(2);
    assertThat(err.toString()).startsWith("error: --checkpoint: file not found").hasLineCount(1);

    Files.writeString(
        dir.resolve("config.json"), "{\"architectures\":[\"GPT2LMHeadModel\"],\"vocab_size\":100}");
    assertThat(
            run(
                "init",
                "--config",
                dir.resolve("config.json").toString(),
                "--out",
                dir.resolve("x").toString()))
        .isEqualTo(2);
    assertThat(err.toString()).contains("unknown architecture GPT2LMHeadModel").hasLineCount(1);

    ModelConfig.llama(50, 32, 64, 1, 4, 2, 64).write(dir.resolve("config.json"));
    assertThat(
            run(
                "init",
                "--config",
                dir.resolve("config.json").toString(),
                "--out",
                dir.resolve("x").toString()))
        .isEqualTo(2);
    assertThat(err.toString()).contains("does not fit the model").hasLineCount(1);

    ModelConfig.llama(100, 32, 64, 1, 4, 2, 64).write(dir.resolve("config.json"));
    Path ckpt = dir.resolve("ck");
    assertThat(
            run(
                "init",
                "--config",
                dir.resolve("config.json").toString(),
                "--out",
                ckpt.toString()))
        .isZero();
    ModelConfig.llama(100, 48, 64, 1, 4, 2, 64).write(ckpt.resolve("config.json"));
    assertThat(run("inspect", "--checkpoint", ckpt.toString())).isEqualTo(2);
    assertThat(err.toString())
        .contains("model.embed_tokens.weight has shape (100, 32), config implies (100, 48)")
        .hasLineCount(1);
    assertThat(run("sample", "--checkpoint", ckpt.toString(), "--prompts", "nope.txt"))
        .isEqualTo(2);
    assertThat(run("frobnicate")).isEqualTo(2);
    assertThat(err.toString()).contains("unknown command frobnicate");
  }
}
