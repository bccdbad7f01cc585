package dev.grpo.policy.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import dev.grpo.policy.model.LlamaModel;
import dev.grpo.policy.model.ModelConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A training step gives the same gradient while the garbage collector runs. DJL frees the memory of
 * a number turned into a tensor ({@code x.mul(2f)}) once a collection finds it unreferenced, though
 * autograd still reads it in the backward pass; before {@code Scalars}, this test saw gradient
 * norms of 1e16 to 1e25, or infinity, where 0.3 was right (and the demo's same-seed runs parted at
 * a random step).
 */
class GradientUnderGcTest {
  static final ModelConfig DEMO = ModelConfig.llama(19, 64, 256, 2, 4, 4, 12);

  @BeforeAll
  static void oneThread() {
    TestTorchThreads.useOne();
  }

  /**
   * The demo's loss, and variants that take the other graph paths with a number in them: the other
   * aggregations, the SAPO and CISPO objectives, sequence-level ratios, the delta clip, masked
   * truncation and a temperature other than 1.
   */
  static Stream<Arguments> losses() {
    return Stream.of(
        Arguments.of(
            "demo: grpo, beta 0.04", new LossConfig(LossVariant.GRPO, 0.2, 0.28, 0.04, 2.0), 1.0),
        Arguments.of(
            "dapo, sapo, sequence level, T 0.7",
            new LossConfig(LossVariant.DAPO, 0.2, 0.28, 0.0, 2.0)
                .withObjective(LossObjective.SAPO)
                .withLevel(ImportanceLevel.SEQUENCE),
            0.7),
        Arguments.of(
            "dr_grpo, delta 3, beta 0.1",
            new LossConfig(LossVariant.DR_GRPO, 0.2, 0.28, 0.1, 2.0).withDelta(3.0),
            1.0),
        Arguments.of(
            "bnpo, cispo, masked truncation",
            new LossConfig(LossVariant.BNPO, 0.2, 0.28, 0.0, 2.0)
                .withObjective(LossObjective.CISPO)
                .withMaskTruncated(true),
            1.0));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("losses")
  void stepsTrainBitIdenticallyWithTheCollectorRunningInALoop(
      String name, LossConfig loss, double temperature) throws Exception {
    List<List<TrainingGroup>> steps = batches(new Random(5), 3);
    double[] quiet = gradNorms(steps, loss, temperature);
    AtomicBoolean stop = new AtomicBoolean();
    Thread collector =
        new Thread(
            () -> {
              List<byte[]> garbage = new ArrayList<>();
              while (!stop.get()) {
                for (int i = 0; i < 20; i++) {
                  garbage.add(new byte[1 << 15]);
                }
                if (garbage.size() > 500) {
                  garbage.clear();
                }
                System.gc();
              }
            });
    collector.setDaemon(true);
    collector.start();
    try {
      assertThat(gradNorms(steps, loss, temperature)).as(name).containsExactly(quiet);
    } finally {
      stop.set(true);
      collector.join();
    }
    assertThat(quiet[0]).as(name).isBetween(1e-6, 1e3);
  }

  private static double[] gradNorms(
      List<List<TrainingGroup>> steps, LossConfig loss, double temperature) {
    var config =
        new GrpoTrainerConfig(
            loss,
            1,
            128,
            temperature,
            0,
            new AdamWConfig(0.002, 0.9, 0.99, 1e-8, 0.0, 1.0, 0, LrSchedule.CONSTANT, 0, 0));
    double[] out = new double[steps.size()];
    try (LlamaModel policy = LlamaModel.randomInit(DEMO, Device.cpu(), 1);
        LlamaModel reference =
            loss.beta() > 0 ? LlamaModel.randomInit(DEMO, Device.cpu(), 1) : null;
        GrpoTrainer trainer = new GrpoTrainer(policy, reference, config)) {
      for (int s = 0; s < steps.size(); s++) {
        out[s] = trainer.step(steps.get(s)).gradNorm();
      }
    }
    return out;
  }

  /** The demo's shape: 8 groups of 16 completions of 1-2 tokens after 10-token prompts. */
  private static List<List<TrainingGroup>> batches(Random r, int steps) {
    List<List<TrainingGroup>> out = new ArrayList<>();
    for (int s = 0; s < steps; s++) {
      List<TrainingGroup> groups = new ArrayList<>();
      for (int g = 0; g < 8; g++) {
        int[] prompt = new int[10];
        for (int i = 0; i < prompt.length; i++) {
          prompt[i] = 1 + r.nextInt(17);
        }
        List<TrainingSample> completions = new ArrayList<>();
        for (int c = 0; c < 16; c++) {
          int len = 1 + r.nextInt(2);
          int[] ids = new int[len];
          float[] behaviour = new float[len];
          for (int i = 0; i < len; i++) {
            ids[i] = r.nextInt(DEMO.vocabSize());
            behaviour[i] = (float) -(2.5 + r.nextDouble());
          }
          completions.add(new TrainingSample(ids, behaviour, r.nextInt(4) == 0 ? 1 : 0));
        }
        groups.add(new TrainingGroup(prompt, completions, s));
      }
      out.add(groups);
    }
    return out;
  }
}
