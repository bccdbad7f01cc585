package dev.grpo.bench.policy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.grpo.policy.model.DjlOffline;
import dev.grpo.policy.model.KvCache;
import dev.grpo.policy.model.LlamaModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.sampling.Sampler;
import dev.grpo.policy.sampling.SamplingConfig;
import dev.grpo.policy.tokenizer.CharTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Where a sampling call's time goes, on {@link SamplingBench}'s shapes. Two parts:
 *
 * <ol>
 *   <li>A decode loop written out (the sampler's path for distinct prompts: one prefill, then one
 *       token per step) with a timer around each part of a step: building the inputs, the forward
 *       call (native ops plus DJL's per-op Java work), the copy of the {@code [B, V]} last logits
 *       to Java, and the draw in Java (the arithmetic of {@code Sampler.choose} at top-p 1, top-k
 *       0: softmax in double, one uniform, a cumulative walk).
 *   <li>One real {@link Sampler#generate} call under libtorch's profiler, whose trace {@code
 *       trace_ops.py} turns into native ops per decode step.
 * </ol>
 *
 * Usage: {@code SamplingProfile <small|medium> <batch> <promptLen> <newTokens> <reps> <trace.json>}
 * (1 thread).
 */
public final class SamplingProfile {

  private SamplingProfile() {}

  public static void main(String[] args) throws Exception {
    DjlOffline.enable();
    String size = args[0];
    int batch = Integer.parseInt(args[1]);
    int promptLen = Integer.parseInt(args[2]);
    int newTokens = Integer.parseInt(args[3]);
    int reps = Integer.parseInt(args[4]);
    String trace = args[5];
    ai.djl.engine.Engine.getEngine("PyTorch");
    JniUtils.setNumThreads(1);
    JniUtils.setNumInteropThreads(1);
    JniUtils.setGradMode(false);
    ModelConfig cfg = SamplingBench.config(size);
    CharTokenizer tok = new CharTokenizer("abcdefghijklmnopqrstuvwxyz0123456789");
    try (LlamaModel model = LlamaModel.randomInit(cfg, Device.cpu(), 1)) {
      List<int[]> prompts = new ArrayList<>();
      for (int b = 0; b < batch; b++) {
        int[] p = new int[promptLen];
        for (int i = 0; i < promptLen; i++) {
          p[i] = 3 + (b * 7 + i * 13) % (cfg.vocabSize() - 3);
        }
        prompts.add(p);
      }
      long[] t = new long[5];
      loop(model, prompts, newTokens, new long[5]); // warm-up
      for (int r = 0; r < reps; r++) {
        loop(model, prompts, newTokens, t);
      }
      long tokens = (long) reps * batch * (newTokens - 1);
      double total = 0;
      for (long x : t) {
        total += x;
      }
      String[] names = {"inputs", "forward", "copy [B,V] to Java", "draw in Java", "rest"};
      System.out.printf(
          "profile size=%s batch=%d prompt=%d new=%d reps=%d: decode steps %.3f ms/token"
              + " (%.1f tok/s)%n",
          size, batch, promptLen, newTokens, reps, total / 1e6 / tokens, tokens / (total / 1e9));
      for (int i = 0; i < t.length; i++) {
        System.out.printf(
            "  %-20s %8.4f ms/token %5.1f%%%n", names[i], t[i] / 1e6 / tokens, 100 * t[i] / total);
      }
      SamplingConfig sc = new SamplingConfig(1.0, 1.0, 0, newTokens, List.of(), List.of(), 0);
      SamplingBench.NoEos noEos = new SamplingBench.NoEos(tok);
      Sampler sampler = new Sampler();
      sampler.generate(model, noEos, prompts, sc);
      JniUtils.startProfile(false, false, false);
      sampler.generate(model, noEos, prompts, sc);
      JniUtils.stopProfile(trace);
    }
  }

  /** One prefill and newTokens - 1 decode steps; adds the decode steps' times to {@code t}. */
  private static void loop(LlamaModel model, List<int[]> prompts, int newTokens, long[] t) {
    int b = prompts.size();
    int p = prompts.get(0).length;
    int vocab = model.config().vocabSize();
    double[] scratch = new double[vocab];
    SplittableRandom[] rng = new SplittableRandom[b];
    long[] ids = new long[b * p];
    for (int i = 0; i < b; i++) {
      rng[i] = new SplittableRandom(i + 1);
      for (int j = 0; j < p; j++) {
        ids[i * p + j] = prompts.get(i)[j];
      }
    }
    long[] next = new long[b];
    try (NDManager manager = NDManager.newBaseManager(model.device(), "PyTorch");
        KvCache cache = model.newCache()) {
      try (NDManager step = manager.newSubManager()) {
        long[] mask = new long[b * p];
        java.util.Arrays.fill(mask, 1L);
        NDArray last =
            model.forward(
                step.create(ids, new Shape(b, p)), step.create(mask, new Shape(b, p)), cache, true);
        draw(last.toFloatArray(), b, vocab, rng, scratch, next);
      }
      for (int s = 1; s < newTokens; s++) {
        long t0 = System.nanoTime();
        NDManager step = manager.newSubManager();
        int width = cache.length() + 1;
        long[] mask = new long[b * width];
        java.util.Arrays.fill(mask, 1L);
        NDArray in = step.create(next, new Shape(b, 1));
        NDArray m = step.create(mask, new Shape(b, width));
        long t1 = System.nanoTime();
        NDArray last = model.forward(in, m, cache, true);
        long t2 = System.nanoTime();
        float[] logits = last.toFloatArray();
        long t3 = System.nanoTime();
        draw(logits, b, vocab, rng, scratch, next);
        long t4 = System.nanoTime();
        step.close();
        long t5 = System.nanoTime();
        t[0] += t1 - t0;
        t[1] += t2 - t1;
        t[2] += t3 - t2;
        t[3] += t4 - t3;
        t[4] += t5 - t4;
      }
    }
  }

  /** Sampler.choose's arithmetic at temperature 1, top-p 1, top-k 0, per row. */
  private static void draw(
      float[] logits, int b, int vocab, SplittableRandom[] rng, double[] p, long[] next) {
    for (int i = 0; i < b; i++) {
      int o = i * vocab;
      double max = Double.NEGATIVE_INFINITY;
      for (int v = 0; v < vocab; v++) {
        max = Math.max(max, logits[o + v]);
      }
      double sum = 0;
      for (int v = 0; v < vocab; v++) {
        p[v] = Math.exp(logits[o + v] - max);
        sum += p[v];
      }
      for (int v = 0; v < vocab; v++) {
        p[v] /= sum;
      }
      double norm = 0;
      for (int v = 0; v < vocab; v++) {
        norm += p[v];
      }
      double u = rng[i].nextDouble() * norm;
      int chosen = vocab - 1;
      double acc = 0;
      for (int v = 0; v < vocab; v++) {
        acc += p[v];
        if (u < acc) {
          chosen = v;
          break;
        }
      }
      next[i] = chosen;
      double unusedLogProb = Math.log(p[chosen] / norm);
      if (Double.isNaN(unusedLogProb)) {
        next[i] = 0;
      }
    }
  }
}
