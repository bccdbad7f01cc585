package dev.grpo.policy.sampling;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The draw of one token per row done where the logits are, so that only the chosen ids and their
 * log-probs ({@code 2B} floats) leave the device instead of the {@code [B, V]} logits.
 *
 * <p>The randomness stays in Java: row {@code i} brings one uniform {@code u[i]} from its own
 * stream (the one {@link Sampler#choose} would draw), and the token is the first whose cumulative
 * probability exceeds {@code u[i]} times the row's total, the same inverse-CDF rule as {@code
 * choose}. Softmax and cumulative sum are row-wise ops, so a row's token depends on its logits and
 * its own {@code u} only, never on the other rows of the batch.
 *
 * <p>Covers what a GRPO rollout uses: greedy (temperature 0) and plain temperature sampling (no
 * top-k, top-p 1). Top-k and top-p stay on {@link Sampler#choose}'s Java path (see {@link
 * #covers}).
 */
final class DeviceDraw {

  /**
   * Smallest vocabulary for which the draw on a CPU device beats copying the logits to Java: on the
   * 2-vCPU EPYC box (batch 8) the device draw cost 65 us at 256 tokens against Java's 21 us, and
   * 290-350 us at 8,192 tokens against 610-640 us; the lines cross near 900.
   */
  static final int CPU_MIN_VOCAB = 1024;

  private static final float BELOW_ONE = Math.nextDown(1f);

  private DeviceDraw() {}

  /** Whether {@link #draw} implements {@code cfg} for a vocabulary of {@code vocab} tokens. */
  static boolean covers(SamplingConfig cfg, int vocab) {
    return cfg.temperature() == 0 || ((cfg.topK() == 0 || cfg.topK() >= vocab) && cfg.topP() >= 1);
  }

  /** Whether drawing on {@code device} is cheaper than copying the logits to Java. */
  static boolean pays(Device device, int vocab) {
    return device.isGpu() || vocab >= CPU_MIN_VOCAB;
  }

  /**
   * Draws one token per row of {@code logits} {@code [B, V]}; {@code u[i]} in [0, 1) is row i's
   * uniform (unused at temperature 0).
   *
   * @return {@code [B]} token ids followed by their {@code [B]} log-probs under the distribution
   *     sampled from (ids are exact as floats below 2^24)
   */
  static float[] draw(NDArray logits, SamplingConfig cfg, double[] u) {
    int b = (int) logits.getShape().get(0);
    long vocab = logits.getShape().get(1);
    NDManager m = logits.getManager(); // every array below lives as long as the logits do
    NDArray x = logits;
    NDArray ids;
    if (cfg.temperature() == 0) {
      ids = x.argMax(1).expandDims(1); // the first maximum on ties, as choose
    } else {
      if (cfg.temperature() != 1) {
        x = x.div((float) cfg.temperature());
      }
      // The CPU cumsum accumulates in double; the count of entries <= threshold is the index of
      // the first one above it (cumulative sums never decrease). Zero-probability tokens never get
      // picked: they do not raise the sum.
      NDArray cum = x.softmax(1).cumSum(1);
      float[] uf = new float[b];
      for (int i = 0; i < b; i++) {
        // A double just below 1 must not round up to 1f: the threshold would reach the total.
        uf[i] = Math.min((float) u[i], BELOW_ONE);
      }
      NDArray threshold =
          cum.get(new NDIndex().addAllDim().addSliceDim(vocab - 1, vocab))
              .mul(m.create(uf, new Shape(b, 1)).toDevice(x.getDevice(), false));
      ids = cum.lte(threshold).sum(new int[] {1}, true).minimum(vocab - 1);
    }
    NDArray logProbs = x.logSoftmax(1).gather(ids, 1);
    return ids.toType(DataType.FLOAT32, false).concat(logProbs, 0).toFloatArray();
  }
}
