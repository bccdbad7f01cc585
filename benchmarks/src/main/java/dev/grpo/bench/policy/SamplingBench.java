package dev.grpo.bench.policy;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import dev.grpo.policy.model.DjlOffline;
import dev.grpo.policy.model.LlamaModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.sampling.Generation;
import dev.grpo.policy.sampling.Sampler;
import dev.grpo.policy.sampling.SamplingConfig;
import dev.grpo.policy.tokenizer.CharTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Sampling throughput harness (tokens/s with the KV cache) for the policy runtime, run side by side
 * with benchmarks/src/main/resources/sampling_bench.py (same shapes, same thread count) in PyTorch
 * eager. Usage: {@code SamplingBench <small|medium> <batch> <promptLen> <newTokens> <threads>
 * [reps] [AUTO|DEVICE|HOST]} (reps timed runs after one warm-up, default 3; where the sampler
 * draws, default AUTO). Prints one line: model, params, tokens/s, seconds per generate call, peak
 * RSS (VmHWM, whole JVM).
 *
 * <p>Use 1 thread on a shared machine: libtorch's OpenMP workers spin, and with 2 intra-op threads
 * on a loaded 2-core box a forward took 30-50x longer than with 1 (that, not the sampler, is why an
 * earlier 2-thread run did not finish in 150 s).
 */
public final class SamplingBench {

  private SamplingBench() {}

  /** Model shapes shared with the Python script. */
  static ModelConfig config(String size) {
    return switch (size) {
      // ~1M parameters
      case "small" ->
          new ModelConfig(
              ModelConfig.LLAMA,
              256,
              128,
              384,
              4,
              4,
              2,
              1024,
              1e-6,
              10000,
              false,
              false,
              1,
              2,
              0.02);
      // ~30M parameters
      case "medium" ->
          new ModelConfig(
              ModelConfig.LLAMA,
              8192,
              512,
              1408,
              8,
              8,
              4,
              1024,
              1e-6,
              10000,
              false,
              false,
              1,
              2,
              0.02);
      default -> throw new IllegalArgumentException("size must be small or medium, was " + size);
    };
  }

  public static void main(String[] args) throws Exception {
    DjlOffline.enable();
    String size = args[0];
    int batch = Integer.parseInt(args[1]);
    int promptLen = Integer.parseInt(args[2]);
    int newTokens = Integer.parseInt(args[3]);
    int threads = Integer.parseInt(args[4]);
    int reps = args.length > 5 ? Integer.parseInt(args[5]) : 3;
    Sampler.Draw draw = args.length > 6 ? Sampler.Draw.valueOf(args[6]) : Sampler.Draw.AUTO;
    ai.djl.engine.Engine.getEngine("PyTorch"); // loads the native library before configuring it
    JniUtils.setNumThreads(threads);
    JniUtils.setNumInteropThreads(1);
    ModelConfig cfg = config(size);
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
      // Stop tokens are impossible (-1) so every row generates exactly newTokens.
      SamplingConfig sc = new SamplingConfig(1.0, 1.0, 0, newTokens, List.of(), List.of(), 0);
      Sampler sampler = new Sampler(0, null, draw);
      NoEos noEos = new NoEos(tok);
      sampler.generate(model, noEos, prompts, sc); // warm-up
      long t0 = System.nanoTime();
      long tokens = 0;
      for (int r = 0; r < reps; r++) {
        for (Generation g : sampler.generate(model, noEos, prompts, sc)) {
          tokens += g.tokenIds().length;
        }
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      System.out.printf(
          "djl draw=%s size=%s params=%d batch=%d prompt=%d new=%d threads=%d reps=%d tokens/s=%.1f"
              + " s/call=%.2f peakRssMiB=%d%n",
          draw,
          size,
          model.parameterCount(),
          batch,
          promptLen,
          newTokens,
          threads,
          reps,
          tokens / secs,
          secs / reps,
          peakRssKiB() / 1024);
    }
  }

  static long peakRssKiB() throws Exception {
    for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (l.startsWith("VmHWM:")) {
        return Long.parseLong(l.replaceAll("\\D", ""));
      }
    }
    return -1;
  }

  /**
   * The benchmark tokenizer with an EOS no model can emit (-1), so lengths are fixed, or the EOS
   * given by {@link #withEos}; decode returns "" so text decoding is not timed.
   */
  record NoEos(CharTokenizer t, int eos) implements dev.grpo.policy.tokenizer.Tokenizer {
    NoEos(CharTokenizer t) {
      this(t, -1);
    }

    NoEos withEos(int id) {
      return new NoEos(t, id);
    }

    public int[] encode(String s) {
      return t.encode(s);
    }

    public String decode(int[] ids) {
      return "";
    }

    public int vocabSize() {
      return t.vocabSize();
    }

    public int bosId() {
      return 1;
    }

    public int eosId() {
      return eos;
    }

    public int padId() {
      return 0;
    }

    public void save(Path p) {
      t.save(p);
    }
  }
}
