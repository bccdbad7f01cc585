package dev.grpo.policy.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.grpo.policy.checkpoint.HfCheckpoint;
import dev.grpo.policy.checkpoint.LoadedCheckpoint;
import dev.grpo.policy.tokenizer.CharTokenizer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Logits of a checkpoint this module wrote, loaded back, against an independent float64 PyTorch
 * implementation (src/test/resources/llama_reference.py, plain torch, no transformers). Skipped
 * when Debian's python3-torch is absent.
 */
class LlamaReferenceTest {

  static final String PYTHON = "/usr/bin/python3";

  /** float32 model vs float64 reference over 2 layers: rounding differences are ~1e-6. */
  static final double TOL = 1e-4;

  @TempDir Path dir;

  @BeforeAll
  static void requireTorch() throws Exception {
    boolean ok;
    try {
      Process p =
          new ProcessBuilder(PYTHON, "-c", "import torch").redirectErrorStream(true).start();
      ok = p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (java.io.IOException e) {
      ok = false;
    }
    assumeTrue(
        ok,
        "skipped: "
            + PYTHON
            + " cannot import torch (install Debian's python3-torch to run this reference test)");
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama-gqa", "qwen2-tied"})
  void logitsMatchIndependentPyTorchImplementation(String variant) throws Exception {
    ModelConfig base =
        new ModelConfig(
            ModelConfig.LLAMA, 100, 48, 80, 2, 6, 2, 64, 1e-5, 500000.0, false, false, 1, 2, 0.1);
    ModelConfig cfg =
        variant.equals("qwen2-tied")
            ? base.withArchitecture(ModelConfig.QWEN2).withTiedEmbeddings(true)
            : base;
    Path ckpt = dir.resolve("ckpt");
    try (LlamaModel m = LlamaModel.randomInit(cfg, Device.cpu(), 99)) {
      if (cfg.attentionBias()) {
        // Non-zero biases, so the reference really checks where they are added.
        for (var e : m.parameters().entrySet()) {
          if (e.getKey().endsWith(".bias")) {
            e.getValue().addi(0.3f);
          }
        }
      }
      HfCheckpoint.save(ckpt, m, CharTokenizer.printableAscii(), Map.of());
    }
    long[][] ids = {
      {1, 10, 20, 30, 40, 50, 60, 70, 80, 90, 99, 5}, {1, 44, 45, 46, 47, 48, 2, 3, 4, 5, 6, 7}
    };
    Path idsFile = dir.resolve("ids.json");
    Files.writeString(idsFile, java.util.Arrays.deepToString(ids));
    Path out = dir.resolve("ref.bin");
    Path script = Paths.get(getClass().getResource("/llama_reference.py").toURI());
    Process p =
        new ProcessBuilder(
                PYTHON, script.toString(), ckpt.toString(), idsFile.toString(), out.toString())
            .redirectErrorStream(true)
            .start();
    String log = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(log).isZero();
    ByteBuffer ref = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);

    try (LoadedCheckpoint loaded = HfCheckpoint.load(ckpt, Device.cpu());
        NDManager nd = NDManager.newBaseManager()) {
      long[] flat = new long[ids.length * ids[0].length];
      for (int i = 0; i < ids.length; i++) {
        System.arraycopy(ids[i], 0, flat, i * ids[0].length, ids[0].length);
      }
      float[] logits =
          loaded
              .model()
              .forward(nd.create(flat, new Shape(ids.length, ids[0].length)), null)
              .toFloatArray();
      assertThat(logits.length * 8).isEqualTo(ref.capacity());
      double worst = 0;
      double scale = 0;
      for (float l : logits) {
        double r = ref.getDouble();
        worst = Math.max(worst, Math.abs(l - r));
        scale = Math.max(scale, Math.abs(r));
      }
      assertThat(scale).as("logits are not trivially small").isGreaterThan(0.5);
      assertThat(worst).as("max |java - torch| over all logits").isLessThanOrEqualTo(TOL);
    }
  }
}
