package dev.grpo.policy.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class LlamaModelTest {

  /** Float32 forward passes of the same maths in another order differ by rounding only. */
  static final double TOL = 1e-4;

  static Stream<ModelConfig> configs() {
    ModelConfig llama = ModelConfig.llama(37, 32, 48, 2, 4, 2, 64);
    return Stream.of(
        llama,
        llama.withArchitecture(ModelConfig.QWEN2).withTiedEmbeddings(true),
        ModelConfig.llama(37, 32, 48, 1, 4, 4, 64));
  }

  static NDArray ids(NDManager m, long[][] rows) {
    int b = rows.length;
    int t = rows[0].length;
    long[] flat = new long[b * t];
    for (int i = 0; i < b; i++) {
      System.arraycopy(rows[i], 0, flat, i * t, t);
    }
    return m.create(flat, new Shape(b, t));
  }

  @Test
  void parameterNamesShapesAndCountFollowHuggingFace() {
    ModelConfig cfg = ModelConfig.llama(37, 32, 48, 2, 4, 2, 64);
    try (LlamaModel model = LlamaModel.randomInit(cfg, Device.cpu(), 1)) {
      assertThat(model.parameters().keySet())
          .startsWith(
              "model.embed_tokens.weight",
              "model.layers.0.input_layernorm.weight",
              "model.layers.0.self_attn.q_proj.weight");
      assertThat(model.parameters().keySet()).endsWith("model.norm.weight", "lm_head.weight");
      assertThat(model.parameters().get("model.layers.1.self_attn.k_proj.weight").getShape())
          .isEqualTo(new Shape(16, 32));
      long perLayer = 32 + 32 * 32 + 16 * 32 * 2 + 32 * 32 + 32 + 3L * 48 * 32;
      assertThat(model.parameterCount()).isEqualTo(2 * 37 * 32 + 2 * perLayer + 32);
      float[] norm = model.parameters().get("model.norm.weight").toFloatArray();
      assertThat(norm).containsOnly(1f);
      float[] emb = model.parameters().get("model.embed_tokens.weight").toFloatArray();
      double var = 0;
      for (float f : emb) {
        var += f * f;
      }
      // std 0.02 over 1184 draws: the sample std is within 10% with overwhelming probability.
      assertThat(Math.sqrt(var / emb.length)).isBetween(0.018, 0.022);
    }
  }

  @Test
  void sameSeedSameWeights() {
    ModelConfig cfg = ModelConfig.llama(37, 32, 48, 1, 4, 2, 64);
    try (LlamaModel a = LlamaModel.randomInit(cfg, Device.cpu(), 7);
        LlamaModel b = LlamaModel.randomInit(cfg, Device.cpu(), 7);
        LlamaModel c = LlamaModel.randomInit(cfg, Device.cpu(), 8)) {
      String n = "model.layers.0.mlp.up_proj.weight";
      assertThat(a.parameters().get(n).toFloatArray())
          .isEqualTo(b.parameters().get(n).toFloatArray());
      assertThat(a.parameters().get(n).toFloatArray())
          .isNotEqualTo(c.parameters().get(n).toFloatArray());
    }
  }

  @ParameterizedTest
  @MethodSource("configs")
  void leftPaddingDoesNotChangeLogitsAndFutureTokensDoNotLeak(ModelConfig cfg) {
    try (LlamaModel model = LlamaModel.randomInit(cfg, Device.cpu(), 3);
        NDManager m = NDManager.newBaseManager()) {
      float[] plain = model.forward(ids(m, new long[][] {{5, 6, 7, 8}}), null).toFloatArray();
      NDArray padded = ids(m, new long[][] {{0, 0, 5, 6, 7, 8}, {9, 10, 11, 12, 13, 14}});
      NDArray mask = ids(m, new long[][] {{0, 0, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1}});
      NDArray logits = model.forward(padded, mask);
      assertThat(logits.getShape()).isEqualTo(new Shape(2, 6, cfg.vocabSize()));
      float[] row0 = logits.get("0, 2:, :").toFloatArray();
      assertClose(row0, plain, TOL);
      float[] changedFuture =
          model.forward(ids(m, new long[][] {{5, 6, 7, 30}}), null).get("0, :3, :").toFloatArray();
      assertClose(
          changedFuture, model.forward(ids(m, new long[][] {{5, 6, 7}}), null).toFloatArray(), TOL);
    }
  }

  @ParameterizedTest
  @MethodSource("configs")
  void kvCacheStepsMatchFullForward(ModelConfig cfg) {
    try (LlamaModel model = LlamaModel.randomInit(cfg, Device.cpu(), 4);
        NDManager m = NDManager.newBaseManager()) {
      long[][] seq = {{0, 3, 4, 5, 6, 7, 8, 9}, {11, 12, 13, 14, 15, 16, 17, 18}};
      long[][] mask = {{0, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1, 1}};
      NDArray full = model.forward(ids(m, seq), ids(m, mask));
      int prompt = 4;
      try (KvCache cache = model.newCache()) {
        NDArray first =
            model.forward(
                ids(m, slice(seq, 0, prompt)), ids(m, slice(mask, 0, prompt)), cache, true);
        assertClose(
            first.toFloatArray(), full.get(":, " + (prompt - 1) + ", :").toFloatArray(), TOL);
        for (int step = prompt; step < seq[0].length; step++) {
          NDArray stepLogits =
              model.forward(
                  ids(m, slice(seq, step, step + 1)),
                  ids(m, slice(mask, 0, step + 1)),
                  cache,
                  false);
          assertThat(stepLogits.getShape()).isEqualTo(new Shape(2, 1, cfg.vocabSize()));
          assertClose(
              stepLogits.toFloatArray(), full.get(":, " + step + ", :").toFloatArray(), TOL);
        }
        assertThat(cache.length()).isEqualTo(seq[0].length);
      }
    }
  }

  @Test
  void copyFrozenIsDetachedAndEqual() {
    ModelConfig cfg = ModelConfig.llama(37, 32, 48, 1, 4, 2, 64);
    try (LlamaModel model = LlamaModel.randomInit(cfg, Device.cpu(), 5);
        NDManager m = NDManager.newBaseManager()) {
      model.parameters().values().forEach(p -> p.setRequiresGradient(true));
      try (LlamaModel frozen = model.copyFrozen()) {
        NDArray x = ids(m, new long[][] {{1, 2, 3}});
        assertClose(
            frozen.forward(x, null).toFloatArray(), model.forward(x, null).toFloatArray(), 0);
        for (NDArray p : frozen.parameters().values()) {
          assertThat(JniUtils.requiresGrad((PtNDArray) p)).isFalse();
        }
        model.parameters().get("model.norm.weight").getGradient().close();
        // An in-place change of the trained model must not reach the frozen copy.
        NDArray w = model.parameters().get("model.norm.weight");
        JniUtils.setGradMode(false);
        try {
          w.subi(1f);
        } finally {
          JniUtils.setGradMode(true);
        }
        assertThat(frozen.parameters().get("model.norm.weight").toFloatArray()).containsOnly(1f);
      }
    }
  }

  @Test
  void fromWeightsRejectsShapeMismatchNamingTheTensor() {
    ModelConfig cfg = ModelConfig.llama(37, 32, 48, 1, 4, 2, 64);
    try (LlamaModel model = LlamaModel.randomInit(cfg, Device.cpu(), 5);
        NDManager m = NDManager.newBaseManager()) {
      Map<String, NDArray> w = new HashMap<>(model.parameters());
      w.put("model.norm.weight", m.ones(new Shape(31)));
      assertThatThrownBy(() -> LlamaModel.fromWeights(cfg, w))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("model.norm.weight has shape (31), config implies (32)");
      w.remove("model.norm.weight");
      assertThatThrownBy(() -> LlamaModel.fromWeights(cfg, w))
          .hasMessageContaining("missing tensor model.norm.weight");
    }
  }

  static long[][] slice(long[][] rows, int from, int to) {
    long[][] out = new long[rows.length][];
    for (int i = 0; i < rows.length; i++) {
      out[i] = java.util.Arrays.copyOfRange(rows[i], from, to);
    }
    return out;
  }

  static void assertClose(float[] actual, float[] expected, double tol) {
    assertThat(actual).hasSameSizeAs(expected);
    double worst = 0;
    for (int i = 0; i < actual.length; i++) {
      worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
    }
    assertThat(worst).as("max abs difference").isLessThanOrEqualTo(tol);
  }
}
