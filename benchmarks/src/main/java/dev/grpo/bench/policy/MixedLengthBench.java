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
import java.util.ArrayList;
import java.util.IntSummaryStatistics;
import java.util.List;

/**
 * A GRPO-shaped sampling workload: {@code tasks} prompts of {@code promptLen} tokens, each G = 16
 * times, up to 256 new tokens, rows ending through EOS at uneven lengths: the random-init model
 * emits the token chosen as EOS with some small probability per step, so lengths are roughly
 * geometric, capped at 256 (the run prints min/mean/max). Usage: {@code MixedLengthBench
 * <small|medium> <tasks> <promptLen> <eosId> <maxRows> <reps>}; maxRows 0 = every row of the call
 * at once, otherwise continuous batching with that many slots. Run with an older {@code Sampler}
 * first on the class path (maxRows must then be 0) to measure that one.
 */
public final class MixedLengthBench {

  private MixedLengthBench() {}

  public static void main(String[] args) throws Exception {
    DjlOffline.enable();
    String size = args[0];
    int tasks = Integer.parseInt(args[1]);
    int promptLen = Integer.parseInt(args[2]);
    int eosId = Integer.parseInt(args[3]);
    int maxRows = Integer.parseInt(args[4]);
    int reps = Integer.parseInt(args[5]);
    int groupSize = 16;
    ai.djl.engine.Engine.getEngine("PyTorch");
    JniUtils.setNumThreads(1);
    JniUtils.setNumInteropThreads(1);
    ModelConfig cfg = SamplingBench.config(size);
    CharTokenizer tok = new CharTokenizer("abcdefghijklmnopqrstuvwxyz0123456789");
    List<Integer> stopIds = List.of();
    SamplingConfig sc = new SamplingConfig(1.0, 1.0, 0, 256, List.of(), stopIds, 1);
    Sampler sampler =
        maxRows == 0
            ? new Sampler()
            : Sampler.class
                .getConstructor(int.class, Sampler.StepObserver.class)
                .newInstance(maxRows, null);
    try (LlamaModel model = LlamaModel.randomInit(cfg, Device.cpu(), 1)) {
      List<int[]> prompts = new ArrayList<>();
      for (int t = 0; t < tasks; t++) {
        int[] p = new int[promptLen];
        for (int i = 0; i < promptLen; i++) {
          p[i] = 3 + (t * 7 + i * 13) % (cfg.vocabSize() - 3);
        }
        for (int g = 0; g < groupSize; g++) {
          prompts.add(p);
        }
      }
      sampler.generate(model, new SamplingBench.NoEos(tok).withEos(eosId), prompts, sc); // warm-up
      long t0 = System.nanoTime();
      IntSummaryStatistics lengths = new IntSummaryStatistics();
      for (int r = 0; r < reps; r++) {
        SamplingConfig rep = new SamplingConfig(1.0, 1.0, 0, 256, List.of(), stopIds, 10 + r);
        for (Generation g :
            sampler.generate(model, new SamplingBench.NoEos(tok).withEos(eosId), prompts, rep)) {
          lengths.accept(g.tokenIds().length);
        }
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      System.out.printf(
          "djl mixed size=%s sampler=%s tasks=%d G=%d prompt=%d maxRows=%d reps=%d"
              + " lengths(min/mean/max)=%d/%.1f/%d tokens/s=%.1f s/call=%.2f peakRssMiB=%d%n",
          size,
          Sampler.class.getProtectionDomain().getCodeSource().getLocation().getPath(),
          tasks,
          groupSize,
          promptLen,
          maxRows,
          reps,
          lengths.getMin(),
          lengths.getAverage(),
          lengths.getMax(),
          lengths.getSum() / secs,
          secs / reps,
          SamplingBench.peakRssKiB() / 1024);
    }
  }
}
