package dev.grpo.policy.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.grpo.policy.model.LlamaModel;
import dev.grpo.policy.model.ModelConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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

  @Test
  void stepsTrainBitIdenticallyWithTheCollectorRunningInALoop() throws Exception {
    List<List<TrainingGroup>> steps = batches(new Random(5), 4);
    double[] quiet = gradNorms(steps);
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
      assertThat(gradNorms(steps)).containsExactly(quiet);
    } finally {
      stop.set(true);
      collector.join();
    }
    assertThat(quiet[0]).isBetween(1e-3, 1e3);
  }

  private static double[] gradNorms(List<List<TrainingGroup>> steps) {
    var config =
        new GrpoTrainerConfig(
            new LossConfig(LossVariant.GRPO, 0.2, 0.28, 0.04, 2.0),
            1,
            128,
            1.0,
            0,
            new AdamWConfig(0.002, 0.9, 0.99, 1e-8, 0.0, 1.0, 0, LrSchedule.CONSTANT, 0, 0));
    double[] out = new double[steps.size()];
    try (LlamaModel policy = LlamaModel.randomInit(DEMO, Device.cpu(), 1);
        LlamaModel reference = LlamaModel.randomInit(DEMO, Device.cpu(), 1);
        GrpoTrainer trainer = new GrpoTrainer(policy, reference, config)) {
      for (int s = 0; s < steps.size(); s++) {
        out[s] = trainer.step(steps.get(s)).gradNorm();
      }
      for (NDArray p : policy.parameters().values()) {
        if (p.hasGradient()) {
          JniUtils.zeroGrad((PtNDArray) p);
        }
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
