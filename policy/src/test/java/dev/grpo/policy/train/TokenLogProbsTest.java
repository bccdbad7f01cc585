package dev.grpo.policy.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.grpo.policy.model.LlamaModel;
import dev.grpo.policy.model.ModelConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Batched, padded log-probs against a plain per-sample forward without padding, with the
 * log-softmax done in Java (double). Tolerance: 1e-4 absolute per token (float32 model).
 */
class TokenLogProbsTest {

  static LlamaModel model;

  @BeforeAll
  static void start() {
    TestTorchThreads.useOne();
    ModelConfig cfg = ModelConfig.llama(37, 32, 64, 2, 4, 2, 64);
    model = LlamaModel.randomInit(cfg, Device.cpu(), 5);
  }

  @AfterAll
  static void stop() {
    model.close();
  }

  /** Reference: the unpadded sequence through the model, log_softmax(logits / T) in Java. */
  static double[] reference(int[] prompt, int[] completion, double temperature) {
    int n = prompt.length + completion.length;
    long[] ids = new long[n];
    for (int i = 0; i < prompt.length; i++) {
      ids[i] = prompt[i];
    }
    for (int i = 0; i < completion.length; i++) {
      ids[prompt.length + i] = completion[i];
    }
    try (NDManager m = model.manager().newSubManager()) {
      NDArray logits = model.forward(m.create(ids, new Shape(1, n)), null);
      float[] flat = logits.toFloatArray();
      int v = model.config().vocabSize();
      double[] out = new double[completion.length];
      for (int j = 0; j < completion.length; j++) {
        int pos = prompt.length + j - 1;
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < v; k++) {
          max = Math.max(max, flat[pos * v + k] / temperature);
        }
        double sum = 0;
        for (int k = 0; k < v; k++) {
          sum += Math.exp(flat[pos * v + k] / temperature - max);
        }
        out[j] = flat[pos * v + completion[j]] / temperature - max - Math.log(sum);
      }
      return out;
    }
  }

  @Test
  void paddedBatchMatchesPerSampleForward() {
    Random rnd = new Random(1);
    List<int[]> prompts = new ArrayList<>();
    List<int[]> completions = new ArrayList<>();
    int[][] lengths = {{3, 5}, {7, 1}, {1, 6}, {4, 0}, {5, 5}};
    for (int[] pl : lengths) {
      prompts.add(rnd.ints(pl[0], 0, 37).toArray());
      completions.add(rnd.ints(pl[1], 0, 37).toArray());
    }
    for (double temperature : new double[] {1.0, 0.7}) {
      float[][] got = TokenLogProbs.compute(model, prompts, completions, temperature, 5);
      float[][] gotSmallBatches =
          TokenLogProbs.compute(model, prompts, completions, temperature, 2);
      for (int i = 0; i < prompts.size(); i++) {
        double[] want = reference(prompts.get(i), completions.get(i), temperature);
        assertThat(got[i]).hasSize(want.length);
        for (int j = 0; j < want.length; j++) {
          assertThat(Math.abs(got[i][j] - want[j]))
              .as("T=%s sample %d token %d: %s vs %s", temperature, i, j, got[i][j], want[j])
              .isLessThanOrEqualTo(1e-4);
          assertThat(Math.abs(gotSmallBatches[i][j] - want[j])).isLessThanOrEqualTo(1e-4);
        }
      }
    }
  }

  @Test
  void paddingIsZeroAndEntropyIsInRange() {
    try (NDManager m = model.manager().newSubManager()) {
      TokenLogProbs.Batch batch =
          TokenLogProbs.pack(
              m,
              List.of(new int[] {1, 2}, new int[] {3}),
              List.of(new int[] {4, 5, 6}, new int[] {7}),
              0);
      assertThat(batch.promptWidth()).isEqualTo(2);
      assertThat(batch.completionWidth()).isEqualTo(3);
      assertThat(batch.attentionMask().toLongArray()).containsExactly(1, 1, 1, 1, 1, 0, 1, 1, 0, 0);
      TokenLogProbs.Result r = TokenLogProbs.compute(model, batch, 1.0, true);
      float[] lp = r.logp().toFloatArray();
      assertThat(lp[4]).isEqualTo(0f);
      assertThat(lp[5]).isEqualTo(0f);
      float[] ent = r.entropy().toFloatArray();
      double maxEntropy = Math.log(37);
      for (int k : new int[] {0, 1, 2, 3}) {
        assertThat((double) ent[k]).isBetween(0.0, maxEntropy + 1e-5);
      }
      assertThat(ent[4]).isEqualTo(0f);
    }
  }

  @Test
  void badInputIsNamed() {
    try (NDManager m = model.manager().newSubManager()) {
      assertThatThrownBy(
              () -> TokenLogProbs.pack(m, List.of(new int[0]), List.of(new int[] {1}), 0))
          .hasMessage("prompt 0 must hold at least 1 token, was empty");
      assertThatThrownBy(
              () ->
                  TokenLogProbs.compute(
                      model, List.of(new int[] {1}), List.of(new int[] {1}), 0, 1))
          .hasMessage("temperature must be finite and > 0, was 0.0");
    }
  }
}
