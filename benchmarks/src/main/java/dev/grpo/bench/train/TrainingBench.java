package dev.grpo.bench.train;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import dev.grpo.policy.model.DjlOffline;
import dev.grpo.policy.model.LlamaModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.train.AdamWConfig;
import dev.grpo.policy.train.GrpoTrainer;
import dev.grpo.policy.train.GrpoTrainerConfig;
import dev.grpo.policy.train.LossConfig;
import dev.grpo.policy.train.LossVariant;
import dev.grpo.policy.train.LrSchedule;
import dev.grpo.policy.train.StepMetrics;
import dev.grpo.policy.train.TrainingGroup;
import dev.grpo.policy.train.TrainingSample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Training throughput harness: one {@link GrpoTrainer#step} per iteration (log-probs forward, GRPO
 * loss, backward, global clipping, AdamW), run side by side with {@code
 * benchmarks/src/main/resources/training_bench.py} (the same model, shapes, loss and optimizer in
 * PyTorch eager, same thread count).
 *
 * <p>Usage: {@code TrainingBench <small|medium> <sequences> <promptLen> <completionLen> <threads>
 * <steps>}. The batch is {@code sequences / 8} groups of 8 completions, one micro-batch, μ = 1,
 * beta = 0. Prints one line: tokens/s counts every token forwarded ({@code sequences x (promptLen +
 * completionLen)}) per second of step time after 2 warm-up steps; peak RSS is VmHWM.
 */
public final class TrainingBench {

  private TrainingBench() {}

  /** Model shapes shared with training_bench.py (and the sampling benchmark). */
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
    if (args.length != 6) {
      System.err.println(
          "usage: TrainingBench <small|medium> <sequences> <promptLen> <completionLen> <threads>"
              + " <steps>");
      System.exit(2);
    }
    String size = args[0];
    int sequences = Integer.parseInt(args[1]);
    int promptLen = Integer.parseInt(args[2]);
    int completionLen = Integer.parseInt(args[3]);
    int threads = Integer.parseInt(args[4]);
    int steps = Integer.parseInt(args[5]);
    if (sequences % 8 != 0) {
      throw new IllegalArgumentException(
          "sequences must be a multiple of the group size 8, was " + sequences);
    }
    ai.djl.engine.Engine.getEngine("PyTorch"); // loads the native library before configuring it
    JniUtils.setNumThreads(threads);
    JniUtils.setNumInteropThreads(1);
    ModelConfig cfg = config(size);
    GrpoTrainerConfig tc =
        new GrpoTrainerConfig(
            LossConfig.defaults(LossVariant.GRPO),
            1,
            sequences,
            1.0,
            0,
            new AdamWConfig(1e-5, 0.9, 0.99, 1e-8, 0.01, 1.0, 0, LrSchedule.CONSTANT, 0, 0));
    List<TrainingGroup> batch = new ArrayList<>();
    for (int g = 0; g < sequences / 8; g++) {
      int[] prompt = new int[promptLen];
      for (int i = 0; i < promptLen; i++) {
        prompt[i] = 3 + (g * 7 + i * 13) % (cfg.vocabSize() - 3);
      }
      List<TrainingSample> samples = new ArrayList<>();
      for (int s = 0; s < 8; s++) {
        int[] c = new int[completionLen];
        for (int i = 0; i < completionLen; i++) {
          c[i] = 3 + (g * 31 + s * 17 + i * 11) % (cfg.vocabSize() - 3);
        }
        samples.add(new TrainingSample(c, null, s % 2));
      }
      batch.add(new TrainingGroup(prompt, samples, 0));
    }
    try (LlamaModel model = LlamaModel.randomInit(cfg, Device.cpu(), 1);
        GrpoTrainer trainer = new GrpoTrainer(model, tc)) {
      for (int w = 0; w < 2; w++) {
        trainer.step(batch);
      }
      long t0 = System.nanoTime();
      StepMetrics last = null;
      long fbMillis = 0;
      long optMillis = 0;
      for (int s = 0; s < steps; s++) {
        last = trainer.step(batch);
        fbMillis += last.forwardBackwardMillis();
        optMillis += last.optimizerMillis();
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      long tokens = (long) steps * sequences * (promptLen + completionLen);
      System.out.printf(
          "djl size=%s params=%d seqs=%d prompt=%d completion=%d threads=%d step_s=%.3f"
              + " tokens/s=%.1f peakRssMiB=%d loss=%.5f fwdBwd_s=%.3f optimizer_s=%.3f%n",
          size,
          model.parameterCount(),
          sequences,
          promptLen,
          completionLen,
          threads,
          secs / steps,
          tokens / secs,
          peakRssKiB() / 1024,
          last.loss(),
          fbMillis / 1000.0 / steps,
          optMillis / 1000.0 / steps);
      String trace = System.getProperty("profile.trace");
      if (trace != null) {
        // One more step under libtorch's profiler: every aten op with its duration, as a chrome
        // trace; benchmarks/trace_summary.py splits it into forward, backward and optimizer.
        long p0 = System.nanoTime();
        JniUtils.startProfile(false, false, false);
        trainer.step(batch);
        JniUtils.stopProfile(trace);
        System.out.printf(
            "profiled step wall_s=%.3f trace=%s%n", (System.nanoTime() - p0) / 1e9, trace);
      }
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
}
