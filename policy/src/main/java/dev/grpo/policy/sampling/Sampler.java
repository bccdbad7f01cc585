package dev.grpo.policy.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.grpo.policy.model.KvCache;
import dev.grpo.policy.model.LlamaModel;
import dev.grpo.policy.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Batched autoregressive sampling with a KV cache.
 *
 * <p>Prompts are left-padded to a common length, prefilled in one forward pass, then extended one
 * token per step; a finished row keeps riding along (its outputs are ignored) until every row is
 * done. Temperature, top-k, top-p and the draw itself run in Java, in double precision, on the
 * last-position logits copied from the device: that keeps the random stream device-independent, so
 * a seed reproduces a run on CPU and GPU alike. Each row draws from its own random stream derived
 * from (seed, row index). See {@link Generation} for what the returned log-probs mean.
 *
 * <p>Autograd is switched off on the calling thread for the whole call (grad mode is per thread in
 * libtorch) and restored afterwards, so sampling never builds graphs even when the parameters
 * require gradients.
 */
public final class Sampler {

  /**
   * Test and diagnostics hook: sees each step's last-position logits {@code [B, V]} before they are
   * freed.
   */
  @FunctionalInterface
  public interface StepObserver {
    /** Called once per step; {@code step} 0 is the prefill. */
    void onStep(int step, NDArray lastLogits);
  }

  private final StepObserver observer;

  /** A sampler. */
  public Sampler() {
    this(null);
  }

  /** A sampler that reports every step's logits to {@code observer}. */
  public Sampler(StepObserver observer) {
    this.observer = observer;
  }

  /**
   * Generates one completion per prompt.
   *
   * @param promptTokenIds non-empty prompts (add BOS yourself if the model expects it)
   * @throws IllegalArgumentException for an empty prompt, a token outside the vocabulary, or a
   *     prompt + maxNewTokens longer than max_position_embeddings
   */
  public List<Generation> generate(
      LlamaModel model, Tokenizer tokenizer, List<int[]> promptTokenIds, SamplingConfig cfg) {
    boolean gradWas = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      return run(model, tokenizer, promptTokenIds, cfg);
    } finally {
      JniUtils.setGradMode(gradWas);
    }
  }

  private List<Generation> run(
      LlamaModel model, Tokenizer tokenizer, List<int[]> prompts, SamplingConfig cfg) {
    int b = prompts.size();
    if (b == 0) {
      return List.of();
    }
    int vocab = model.config().vocabSize();
    int promptLen = 0;
    for (int i = 0; i < b; i++) {
      int[] p = prompts.get(i);
      if (p.length == 0) {
        throw new IllegalArgumentException(
            "prompt " + i + " is empty; prompts need at least one token (e.g. BOS)");
      }
      for (int id : p) {
        if (id < 0 || id >= vocab) {
          throw new IllegalArgumentException(
              "prompt " + i + " has token id " + id + " outside [0, " + vocab + ")");
        }
      }
      promptLen = Math.max(promptLen, p.length);
    }
    int maxTotal = promptLen + cfg.maxNewTokens();
    if (maxTotal > model.config().maxPositionEmbeddings()) {
      throw new IllegalArgumentException(
          "longest prompt ("
              + promptLen
              + ") + maxNewTokens ("
              + cfg.maxNewTokens()
              + ") must be <= max_position_embeddings "
              + model.config().maxPositionEmbeddings());
    }
    Set<Integer> stopIds = new HashSet<>(cfg.stopTokenIds());
    stopIds.add(tokenizer.eosId());

    long[] mask = new long[b * maxTotal];
    long[] ids = new long[b * promptLen];
    for (int i = 0; i < b; i++) {
      int[] p = prompts.get(i);
      int pad = promptLen - p.length;
      for (int j = 0; j < promptLen; j++) {
        ids[i * promptLen + j] = j < pad ? tokenizer.padId() : p[j - pad];
        mask[i * maxTotal + j] = j < pad ? 0 : 1;
      }
    }
    SplittableRandom[] rng = new SplittableRandom[b];
    for (int i = 0; i < b; i++) {
      rng[i] =
          new SplittableRandom(
              new SplittableRandom(cfg.seed()).split().nextLong() + 0x9E3779B97F4A7C15L * (i + 1));
    }
    List<List<Integer>> tokens = new ArrayList<>();
    List<List<Float>> logProbs = new ArrayList<>();
    for (int i = 0; i < b; i++) {
      tokens.add(new ArrayList<>());
      logProbs.add(new ArrayList<>());
    }
    FinishReason[] finish = new FinishReason[b];
    String[] text = new String[b];
    int done = 0;
    double[] scratch = new double[vocab];

    try (NDManager manager = NDManager.newBaseManager(model.device(), "PyTorch");
        KvCache cache = model.newCache()) {
      long[] input = ids;
      int inputLen = promptLen;
      int seqLen = promptLen;
      for (int step = 0; step < cfg.maxNewTokens() && done < b; step++) {
        float[] logits;
        try (NDManager stepManager = manager.newSubManager()) {
          NDArray in = stepManager.create(input, new Shape(b, inputLen));
          NDArray m =
              stepManager.create(prefixColumns(mask, b, maxTotal, seqLen), new Shape(b, seqLen));
          NDArray last = model.forward(in, m, cache, true);
          if (observer != null) {
            observer.onStep(step, last);
          }
          logits = last.toFloatArray();
        }
        long[] next = new long[b];
        for (int i = 0; i < b; i++) {
          if (finish[i] != null) {
            next[i] = tokenizer.padId();
            continue;
          }
          double[] pick = choose(logits, i * vocab, vocab, cfg, rng[i], scratch);
          int tok = (int) pick[0];
          next[i] = tok;
          tokens.get(i).add(tok);
          logProbs.get(i).add((float) pick[1]);
          FinishReason reason = null;
          String decoded = null;
          if (stopIds.contains(tok)) {
            reason = FinishReason.STOP;
          } else if (!cfg.stopStrings().isEmpty()) {
            decoded = tokenizer.decode(toInts(tokens.get(i)));
            int cut = earliestStop(decoded, cfg.stopStrings());
            if (cut >= 0) {
              reason = FinishReason.STOP;
              decoded = decoded.substring(0, cut);
            }
          }
          if (reason == null && tokens.get(i).size() == cfg.maxNewTokens()) {
            reason = FinishReason.LENGTH;
          }
          if (reason != null) {
            finish[i] = reason;
            text[i] = decoded != null ? decoded : tokenizer.decode(toInts(tokens.get(i)));
            done++;
          }
        }
        for (int i = 0; i < b; i++) {
          mask[i * maxTotal + seqLen] = 1;
        }
        input = next;
        inputLen = 1;
        seqLen++;
      }
    }
    List<Generation> out = new ArrayList<>(b);
    for (int i = 0; i < b; i++) {
      float[] lp = new float[logProbs.get(i).size()];
      for (int j = 0; j < lp.length; j++) {
        lp[j] = logProbs.get(i).get(j);
      }
      out.add(new Generation(toInts(tokens.get(i)), lp, text[i], finish[i]));
    }
    return out;
  }

  /**
   * Picks a token from row logits. Returns {token, logProb} where logProb is under the distribution
   * sampled from (see {@link Generation}).
   */
  static double[] choose(
      float[] all, int offset, int vocab, SamplingConfig cfg, SplittableRandom rng) {
    return choose(all, offset, vocab, cfg, rng, new double[vocab]);
  }

  /**
   * As {@link #choose(float[], int, int, SamplingConfig, SplittableRandom)} with a caller-owned
   * scratch buffer of at least {@code vocab} doubles: one buffer serves every row and step, so a
   * 152k-token vocabulary does not allocate 1.2 MB per row per step.
   */
  static double[] choose(
      float[] all, int offset, int vocab, SamplingConfig cfg, SplittableRandom rng, double[] p) {
    if (cfg.temperature() == 0) {
      int best = 0;
      double max = Double.NEGATIVE_INFINITY;
      for (int v = 0; v < vocab; v++) {
        if (all[offset + v] > max) {
          max = all[offset + v];
          best = v;
        }
      }
      return new double[] {best, all[offset + best] - logSumExp(all, offset, vocab, 1.0, max)};
    }
    double t = cfg.temperature();
    double max = Double.NEGATIVE_INFINITY;
    for (int v = 0; v < vocab; v++) {
      max = Math.max(max, all[offset + v] / t);
    }
    double sum = 0;
    for (int v = 0; v < vocab; v++) {
      p[v] = Math.exp(all[offset + v] / t - max);
      sum += p[v];
    }
    for (int v = 0; v < vocab; v++) {
      p[v] /= sum;
    }
    // The arg-max token had exp(0) = 1 before normalisation.
    double maxP = 1.0 / sum;
    if (cfg.topK() > 0 && cfg.topK() < vocab) {
      double kth = kthLargest(p, vocab, cfg.topK());
      for (int v = 0; v < vocab; v++) {
        if (p[v] < kth) {
          p[v] = 0;
        }
      }
    }
    if (cfg.topP() < 1) {
      nucleus(p, vocab, cfg.topP(), maxP);
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

  /**
   * The k-th largest of {@code p[0..n)}, duplicates counted (what {@code sort(p)[n - k]} gives). A
   * bounded min-heap: O(n log k) instead of sorting the whole vocabulary per row and step.
   */
  static double kthLargest(double[] p, int n, int k) {
    double[] heap = new double[k];
    int size = 0;
    for (int v = 0; v < n; v++) {
      double x = p[v];
      if (size < k) {
        int i = size++;
        while (i > 0 && heap[(i - 1) >> 1] > x) {
          heap[i] = heap[(i - 1) >> 1];
          i = (i - 1) >> 1;
        }
        heap[i] = x;
      } else if (x > heap[0]) {
        int i = 0;
        while (true) {
          int c = 2 * i + 1;
          if (c >= k) {
            break;
          }
          if (c + 1 < k && heap[c + 1] < heap[c]) {
            c++;
          }
          if (heap[c] >= x) {
            break;
          }
          heap[i] = heap[c];
          i = c;
        }
        heap[i] = x;
      }
    }
    return heap[0];
  }

  /**
   * Top-p in place: walks tokens by descending probability (ties: higher id first, as the packed
   * sort keys order them) and zeroes every token after the cumulative mass first reaches {@code
   * topP * total}. Only tokens at or above a threshold are sorted: the walk ends inside any prefix
   * of the descending order whose mass reaches the target, so once the candidates' mass does, every
   * other token is zeroed unsorted. The threshold starts at maxP / 1024 and drops 1024x until the
   * candidates suffice (a flat distribution ends in a full sort). Candidates are chosen by float
   * value, the sort key, so equal keys are never split.
   */
  static void nucleus(double[] p, int vocab, double topP, double maxP) {
    double total = 0;
    for (int v = 0; v < vocab; v++) {
      total += p[v];
    }
    double target = topP * total;
    float threshold = (float) (maxP / 1024);
    int count;
    while (true) {
      double mass = 0;
      count = 0;
      for (int v = 0; v < vocab; v++) {
        if ((float) p[v] >= threshold) {
          mass += p[v];
          count++;
        }
      }
      if (mass >= target || threshold == 0f) {
        break;
      }
      threshold = threshold < 1e-30f ? 0f : threshold / 1024;
    }
    // Sort (probability, id) descending via packed longs: probabilities are >= 0, so their
    // float bits order like the values.
    long[] keys = new long[count];
    int n = 0;
    for (int v = 0; v < vocab; v++) {
      if ((float) p[v] >= threshold) {
        keys[n++] = ((long) Float.floatToIntBits((float) p[v]) << 32) | v;
      } else {
        p[v] = 0;
      }
    }
    java.util.Arrays.sort(keys);
    double cum = 0;
    int kept = 0;
    for (int r = count - 1; r >= 0; r--) {
      int v = (int) (keys[r] & 0xffffffffL);
      if (cum >= target && kept > 0) {
        p[v] = 0;
      } else {
        cum += p[v];
        kept++;
      }
    }
  }

  private static double logSumExp(float[] a, int offset, int n, double t, double max) {
    double s = 0;
    for (int v = 0; v < n; v++) {
      s += Math.exp(a[offset + v] / t - max);
    }
    return max + Math.log(s);
  }

  private static long[] prefixColumns(long[] mask, int b, int width, int cols) {
    long[] out = new long[b * cols];
    for (int i = 0; i < b; i++) {
      System.arraycopy(mask, i * width, out, i * cols, cols);
    }
    return out;
  }

  private static int earliestStop(String text, List<String> stops) {
    int best = -1;
    for (String s : stops) {
      int at = text.indexOf(s);
      if (at >= 0 && (best < 0 || at < best)) {
        best = at;
      }
    }
    return best;
  }

  private static int[] toInts(List<Integer> l) {
    int[] a = new int[l.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = l.get(i);
    }
    return a;
  }
}
