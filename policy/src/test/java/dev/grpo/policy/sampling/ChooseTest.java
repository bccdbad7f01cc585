package dev.grpo.policy.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The optimised per-row draw (heap-selected top-k, pruned top-p, reused scratch buffer) against the
 * straightforward full-sort version it replaced: same token and bit-identical log-prob on random
 * logits, for peaked and flat distributions, with ties.
 */
class ChooseTest {

  @Test
  void selectionAndPrunedNucleusPickExactlyWhatFullSortsPick() {
    SplittableRandom gen = new SplittableRandom(3);
    double[] scratch = new double[5000];
    int cases = 0;
    for (int vocab : new int[] {7, 100, 5000}) {
      for (double scale : new double[] {0.01, 1, 8}) {
        for (int trial = 0; trial < 20; trial++) {
          float[] logits = new float[vocab];
          for (int v = 0; v < vocab; v++) {
            // Rounded to 0.25 * scale so that ties occur.
            logits[v] = (float) (Math.round(gen.nextGaussian() * 4) / 4.0 * scale);
          }
          for (int topK : new int[] {0, 1, 3, 50}) {
            for (double topP : new double[] {1.0, 0.95, 0.5, 0.01}) {
              SamplingConfig cfg = new SamplingConfig(0.8, topP, topK, 1, List.of(), List.of(), 0);
              long seed = gen.nextLong();
              double[] fast =
                  Sampler.choose(logits, 0, vocab, cfg, new SplittableRandom(seed), scratch);
              double[] ref = reference(logits, vocab, cfg, new SplittableRandom(seed));
              assertThat(fast)
                  .as("vocab %d scale %s k %d p %s", vocab, scale, topK, topP)
                  .containsExactly(ref);
              cases++;
            }
          }
        }
      }
    }
    assertThat(cases).isEqualTo(3 * 3 * 20 * 16);
  }

  @Test
  void kthLargestCountsDuplicates() {
    double[] p = {0.1, 0.5, 0.5, 0.2, 0.5, 0.0};
    assertThat(Sampler.kthLargest(p, p.length, 1)).isEqualTo(0.5);
    assertThat(Sampler.kthLargest(p, p.length, 3)).isEqualTo(0.5);
    assertThat(Sampler.kthLargest(p, p.length, 4)).isEqualTo(0.2);
    assertThat(Sampler.kthLargest(p, p.length, 6)).isEqualTo(0.0);
  }

  /** The previous implementation, verbatim in its maths: full sorts over the vocabulary. */
  static double[] reference(float[] all, int vocab, SamplingConfig cfg, SplittableRandom rng) {
    double t = cfg.temperature();
    double max = Double.NEGATIVE_INFINITY;
    for (int v = 0; v < vocab; v++) {
      max = Math.max(max, all[v] / t);
    }
    double[] p = new double[vocab];
    double sum = 0;
    for (int v = 0; v < vocab; v++) {
      p[v] = Math.exp(all[v] / t - max);
      sum += p[v];
    }
    for (int v = 0; v < vocab; v++) {
      p[v] /= sum;
    }
    if (cfg.topK() > 0 && cfg.topK() < vocab) {
      double[] sorted = p.clone();
      Arrays.sort(sorted);
      double kth = sorted[vocab - cfg.topK()];
      for (int v = 0; v < vocab; v++) {
        if (p[v] < kth) {
          p[v] = 0;
        }
      }
    }
    if (cfg.topP() < 1) {
      long[] keys = new long[vocab];
      double total = 0;
      for (int v = 0; v < vocab; v++) {
        keys[v] = ((long) Float.floatToIntBits((float) p[v]) << 32) | v;
        total += p[v];
      }
      Arrays.sort(keys);
      double cum = 0;
      int kept = 0;
      for (int r = vocab - 1; r >= 0; r--) {
        int v = (int) (keys[r] & 0xffffffffL);
        if (cum >= cfg.topP() * total && kept > 0) {
          p[v] = 0;
        } else {
          cum += p[v];
          kept++;
        }
      }
    }
    double norm = 0;
    for (int v = 0; v < vocab; v++) {
      norm += p[v];
    }
    double u = rng.nextDouble() * norm;
    int chosen = -1;
    double acc = 0;
    for (int v = 0; v < vocab; v++) {
      if (p[v] > 0) {
        chosen = v;
        acc += p[v];
        if (u < acc) {
          break;
        }
      }
    }
    return new double[] {chosen, Math.log(p[chosen] / norm)};
  }
}
