package dev.grpo.policy.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.grpo.policy.model.Devices;
import dev.grpo.policy.model.LlamaModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.sampling.Generation;
import dev.grpo.policy.sampling.Sampler;
import dev.grpo.policy.sampling.SamplingConfig;
import dev.grpo.policy.tokenizer.CharTokenizer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The same model on {@code Devices.parse("gpu")} and on the CPU: forward logits, KV-cache sampling
 * and one GRPO trainer step (forward, backward, AdamW) agree within float32 rounding.
 *
 * <p>Tagged {@code gpu}: excluded by default, run with {@code mvn -B -o -pl policy test -Pgpu
 * -Dtest=GpuParityTest} on a machine whose libtorch is a CUDA build (see policy/README.md). With a
 * CPU-only libtorch it is skipped, saying so.
 *
 * <p>Tolerances: CPU and CUDA kernels sum in different orders; libtorch keeps TF32 off for float32
 * matmul by default, so the logits of this 0.2M-parameter model differ by rounding only (1e-4
 * absolute); after one AdamW step with lr 1e-3 the parameters differ by well under one lr (1e-5).
 */
@Tag("gpu")
class GpuParityTest {

  static final CharTokenizer TOK = CharTokenizer.printableAscii();

  static ModelConfig config() {
    return new ModelConfig(
        ModelConfig.LLAMA,
        TOK.vocabSize(),
        32,
        64,
        2,
        4,
        2,
        64,
        1e-6,
        10000,
        false,
        false,
        1,
        2,
        0.2);
  }

  static Device gpuOrSkip() {
    int gpus = Engine.getEngine("PyTorch").getGpuCount();
    assumeThat(gpus)
        .as(
            "no CUDA device visible to libtorch (CPU-only native library or no GPU);"
                + " see policy/README.md, section GPU")
        .isGreaterThan(0);
    return Devices.parse("gpu");
  }

  @Test
  void forwardSamplingAndOneTrainerStepMatchTheCpu() {
    Device gpu = gpuOrSkip();
    TestTorchThreads.useOne();
    try (LlamaModel cpu = LlamaModel.randomInit(config(), Device.cpu(), 42);
        LlamaModel onGpu = LlamaModel.fromWeights(config(), cpu.parameters(), gpu)) {
      assertThat(onGpu.device()).isEqualTo(gpu);
      for (NDArray p : onGpu.parameters().values()) {
        assertThat(p.getDevice()).isEqualTo(gpu);
      }

      // Forward, with left padding, on both devices.
      long[] ids = {0, 0, 1, 20, 21, 22, 1, 40, 41, 42, 43, 44};
      long[] mask = {0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
      try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
        float[] c =
            cpu.forward(m.create(ids, new Shape(2, 6)), m.create(mask, new Shape(2, 6)))
                .toFloatArray();
        NDArray g =
            onGpu.forward(
                m.create(ids, new Shape(2, 6)).toDevice(gpu, false),
                m.create(mask, new Shape(2, 6)).toDevice(gpu, false));
        assertThat(g.getDevice()).isEqualTo(gpu);
        assertThat(maxAbs(g.toFloatArray(), c)).isLessThanOrEqualTo(1e-4);
      }

      // KV-cache sampling: the draw runs in Java on copied logits, so with the same seed the
      // tokens match unless a draw lands within rounding of a boundary; log-probs to 1e-4.
      List<int[]> prompts =
          List.of(new int[] {1, 20, 21, 22}, new int[] {1, 40}, new int[] {1, 60, 61});
      for (SamplingConfig sc :
          List.of(
              SamplingConfig.greedy(8),
              new SamplingConfig(0.9, 0.95, 40, 8, List.of(), List.of(), 7))) {
        List<Generation> a = new Sampler().generate(cpu, TOK, prompts, sc);
        List<Generation> b = new Sampler().generate(onGpu, TOK, prompts, sc);
        for (int i = 0; i < prompts.size(); i++) {
          assertThat(b.get(i).tokenIds())
              .as("row %d, %s", i, sc)
              .containsExactly(a.get(i).tokenIds());
          assertThat(maxAbs(b.get(i).logProbs(), a.get(i).logProbs())).isLessThanOrEqualTo(1e-4);
          assertThat(b.get(i).finishReason()).isEqualTo(a.get(i).finishReason());
        }
      }

      // One GRPO step on each device from the same rollouts.
      List<TrainingGroup> groups = new ArrayList<>();
      List<Generation> gens =
          new Sampler()
              .generate(
                  cpu,
                  TOK,
                  List.of(prompts.get(0), prompts.get(0), prompts.get(0), prompts.get(0)),
                  new SamplingConfig(1.0, 1.0, 0, 6, List.of(), List.of(), 3));
      List<TrainingSample> samples = new ArrayList<>();
      for (int i = 0; i < gens.size(); i++) {
        samples.add(new TrainingSample(gens.get(i).tokenIds(), gens.get(i).logProbs(), i % 2));
      }
      groups.add(new TrainingGroup(prompts.get(0), samples, 0));
      GrpoTrainerConfig tc =
          new GrpoTrainerConfig(
              new LossConfig(LossVariant.GRPO, 0.2, 0.28, 0.0, 0.0),
              1,
              4,
              1.0,
              0,
              new AdamWConfig(1e-3, 0.9, 0.99, 1e-8, 0.0, 1.0, 0, LrSchedule.CONSTANT, 0, 0));
      StepMetrics mc;
      StepMetrics mg;
      try (GrpoTrainer t = new GrpoTrainer(cpu, tc)) {
        mc = t.step(groups);
      }
      try (GrpoTrainer t = new GrpoTrainer(onGpu, tc)) {
        mg = t.step(groups);
      }
      assertThat(mg.loss()).isCloseTo(mc.loss(), org.assertj.core.data.Offset.offset(1e-5));
      assertThat(mg.gradNorm())
          .isCloseTo(mc.gradNorm(), org.assertj.core.data.Percentage.withPercentage(0.01));
      assertThat(mg.entropy()).isCloseTo(mc.entropy(), org.assertj.core.data.Offset.offset(1e-4));
      assertThat(mg.tokens()).isEqualTo(mc.tokens());
      for (var e : cpu.parameters().entrySet()) {
        float[] after = onGpu.parameters().get(e.getKey()).toFloatArray();
        assertThat(maxAbs(after, e.getValue().toFloatArray()))
            .as(e.getKey())
            .isLessThanOrEqualTo(1e-5);
      }
    }
  }

  static double maxAbs(float[] a, float[] b) {
    assertThat(a).hasSameSizeAs(b);
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs(a[i] - b[i]));
    }
    return worst;
  }
}
