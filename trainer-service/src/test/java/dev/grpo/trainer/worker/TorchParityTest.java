package dev.grpo.trainer.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import dev.grpo.policy.checkpoint.HfCheckpoint;
import dev.grpo.policy.checkpoint.SafeTensors;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Parity of the two training backends: one GRPO step on the same weights and batch through the
 * embedded DJL trainer and through a real torch worker process gives the same loss (relative 1e-5),
 * gradient norm (1e-4) and parameters after AdamW (1e-5), for each loss variant, with KL, truncated
 * importance sampling, asymmetric clipping, μ = 2 and gradient accumulation all on.
 */
class TorchParityTest {
  @TempDir static Path tmp;
  static WorkerGroup group;

  static final ModelConfig CONFIG =
      new ModelConfig(
          ModelConfig.QWEN2, 41, 32, 64, 2, 4, 2, 128, 1e-6, 10000.0, false, true, 1, 2, 0.05);

  @BeforeAll
  static void startWorker() {
    try {
      WorkerGroup.preflight("/usr/bin/python3");
    } catch (WorkerException e) {
      assumeThat(e.getMessage()).as("python3 with torch is needed").isNull();
    }
    group =
        WorkerGroup.start(
            new WorkerGroup.Spec(
                "/usr/bin/python3",
                null,
                1,
                1,
                "cpu",
                Duration.ofSeconds(60),
                tmp.resolve("logs"),
                Map.of()),
            WorkerClient.Timeouts.defaults());
  }

  @AfterAll
  static void stopWorker() {
    if (group != null) {
      group.close();
    }
  }

  static GrpoTrainerConfig trainerConfig(LossVariant variant) {
    return new GrpoTrainerConfig(
        new LossConfig(variant, 0.2, 0.28, 0.04, 2.0),
        2,
        3,
        0.9,
        0,
        new AdamWConfig(1e-3, 0.9, 0.99, 1e-8, 0.01, 1.0, 2, LrSchedule.CONSTANT, 0, 0));
  }

  static List<TrainingGroup> batch(long seed) {
    var rnd = new SplittableRandom(seed);
    List<TrainingGroup> groups = new ArrayList<>();
    for (int g = 0; g < 3; g++) {
      int[] prompt = rnd.ints(rnd.nextInt(2, 7), 0, CONFIG.vocabSize()).toArray();
      List<TrainingSample> comps = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        int n = rnd.nextInt(1, 8);
        int[] tokens = rnd.ints(n, 0, CONFIG.vocabSize()).toArray();
        float[] beh = new float[n];
        for (int j = 0; j < n; j++) {
          beh[j] = (float) -rnd.nextDouble(0.5, 4.0);
        }
        comps.add(new TrainingSample(tokens, i == 3 ? null : beh, rnd.nextInt(0, 4)));
      }
      groups.add(new TrainingGroup(prompt, comps, 0));
    }
    return groups;
  }

  @ParameterizedTest
  @EnumSource(LossVariant.class)
  void oneStepMatchesTheEmbeddedTrainer(LossVariant variant) throws Exception {
    Path init = tmp.resolve("init-" + variant);
    GrpoTrainerConfig cfg = trainerConfig(variant);
    List<TrainingGroup> batch = batch(11);
    StepMetrics embedded;
    Map<String, float[]> embeddedParams = new java.util.LinkedHashMap<>();
    try (LlamaModel model = LlamaModel.randomInit(CONFIG, Device.cpu(), 5)) {
      HfCheckpoint.save(init, model, null, Map.of());
      try (GrpoTrainer trainer = new GrpoTrainer(model, cfg)) {
        embedded = trainer.step(batch);
      }
      model.parameters().forEach((n, p) -> embeddedParams.put(n, p.toFloatArray()));
    }

    var header = WorkerProtocol.json().createObjectNode();
    header.put("checkpointDir", init.toString());
    header.put("model", "builtin");
    header.set("config", WorkerProtocol.trainerConfig(cfg));
    group.client().load(header);
    StepMetrics torch = group.client().step(batch);
    Path saved = Files.createDirectories(tmp.resolve("saved-" + variant));
    group.client().save(saved);

    assertThat(torch.loss()).isCloseTo(embedded.loss(), relativeOrTiny(embedded.loss(), 1e-5));
    assertThat(torch.gradNorm())
        .isCloseTo(embedded.gradNorm(), relativeOrTiny(embedded.gradNorm(), 1e-4));
    assertThat(torch.kl()).isCloseTo(embedded.kl(), relativeOrTiny(embedded.kl(), 1e-4));
    assertThat(torch.entropy())
        .isCloseTo(embedded.entropy(), relativeOrTiny(embedded.entropy(), 1e-5));
    assertThat(torch.clipFracLow()).isEqualTo(embedded.clipFracLow());
    assertThat(torch.clipFracHigh()).isEqualTo(embedded.clipFracHigh());
    assertThat(torch.tokens()).isEqualTo(embedded.tokens());
    assertThat(torch.optimizerSteps()).isEqualTo(embedded.optimizerSteps());
    assertThat(torch.learningRate()).isEqualTo(embedded.learningRate());

    double worst = 0;
    try (SafeTensors.Contents read = SafeTensors.read(saved.resolve(SafeTensors.SINGLE_FILE))) {
      assertThat(read.tensors().keySet()).isEqualTo(embeddedParams.keySet());
      for (var e : embeddedParams.entrySet()) {
        NDArray t = read.tensors().get(e.getKey());
        float[] a = t.toFloatArray();
        float[] b = e.getValue();
        for (int i = 0; i < a.length; i++) {
          worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
      }
    }
    System.out.printf(
        "parity %s: loss %.9g vs %.9g, gradNorm %.9g vs %.9g, max |dp| %.3g%n",
        variant, embedded.loss(), torch.loss(), embedded.gradNorm(), torch.gradNorm(), worst);
    assertThat(worst).as("max |param torch - param embedded| after AdamW").isLessThan(1e-5);
    // The torch checkpoint carries the embedded trainer's state files, so either backend resumes
    // it.
    assertThat(saved.resolve("optimizer.safetensors")).isRegularFile();
    assertThat(saved.resolve("trainer_state.json")).isRegularFile();
  }

  private static org.assertj.core.data.Offset<Double> relativeOrTiny(double expected, double rel) {
    return org.assertj.core.data.Offset.offset(Math.max(1e-9, Math.abs(expected) * rel));
  }
}
