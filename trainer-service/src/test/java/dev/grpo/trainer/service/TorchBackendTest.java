package dev.grpo.trainer.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import ai.djl.Device;
import dev.grpo.policy.checkpoint.SafeTensors;
import dev.grpo.policy.model.LlamaModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.train.AdamWConfig;
import dev.grpo.policy.train.GrpoTrainerConfig;
import dev.grpo.policy.train.LossConfig;
import dev.grpo.policy.train.LossVariant;
import dev.grpo.policy.train.TrainingGroup;
import dev.grpo.policy.train.TrainingSample;
import dev.grpo.trainer.worker.WorkerClient;
import dev.grpo.trainer.worker.WorkerException;
import dev.grpo.trainer.worker.WorkerGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The torch backend with real worker processes: a rank killed with SIGKILL in the middle of a step
 * makes the watchdog restart the group from the last checkpoint and replay the steps since, so the
 * final weights equal those of a run without the crash (nothing lost, nothing trained twice).
 */
class TorchBackendTest {
  static final ModelConfig CONFIG = ModelConfig.llama(23, 16, 32, 1, 2, 1, 64);
  static final GrpoTrainerConfig TRAINER =
      new GrpoTrainerConfig(
          LossConfig.defaults(LossVariant.GRPO), 1, 4, 1.0, 0, AdamWConfig.constant(1e-2));

  @TempDir Path tmp;

  @BeforeAll
  static void needsTorch() {
    try {
      WorkerGroup.preflight("/usr/bin/python3");
    } catch (WorkerException e) {
      assumeThat(e.getMessage()).as("python3 with torch is needed").isNull();
    }
  }

  WorkerGroup.Spec spec(int ranks, Map<String, String> env) {
    return new WorkerGroup.Spec(
        "/usr/bin/python3",
        null,
        ranks,
        1,
        "cpu",
        Duration.ofSeconds(60),
        tmp.resolve("logs"),
        env);
  }

  static List<TrainingGroup> batch(long seed) {
    var rnd = new SplittableRandom(seed);
    List<TrainingGroup> groups = new ArrayList<>();
    for (int g = 0; g < 2; g++) {
      List<TrainingSample> comps = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        comps.add(
            new TrainingSample(rnd.ints(rnd.nextInt(1, 6), 0, 23).toArray(), null, rnd.nextInt(2)));
      }
      groups.add(new TrainingGroup(rnd.ints(3, 0, 23).toArray(), comps, 0));
    }
    return groups;
  }

  /** Four steps with a checkpoint after step 2; returns the final weights. */
  Map<String, float[]> train(String name, Map<String, String> env, int[] restarts) {
    try (LlamaModel model = LlamaModel.randomInit(CONFIG, Device.cpu(), 3);
        TorchBackend backend =
            new TorchBackend(
                name, model, null, null, TRAINER, spec(2, env), WorkerClient.Timeouts.defaults())) {
      for (int step = 1; step <= 4; step++) {
        backend.step(step, batch(step));
        if (step == 2) {
          backend.save(tmp.resolve(name + "-v1"), Map.of());
        }
      }
      backend.syncPolicy();
      restarts[0] = backend.restarts();
      Map<String, float[]> out = new LinkedHashMap<>();
      model.parameters().forEach((n, p) -> out.put(n, p.toFloatArray()));
      return out;
    }
  }

  @Test
  void aRankKilledMidStepIsRestartedFromTheLastCheckpointAndNothingIsLostOrTrainedTwice() {
    int[] none = new int[1];
    int[] crashed = new int[1];
    Map<String, float[]> clean = train("clean", Map.of(), none);
    Path marker = tmp.resolve("crashed.marker");
    Map<String, float[]> afterCrash =
        train("crash", Map.of("GRPO_WORKER_CRASH", "1:4:" + marker), crashed);
    assertThat(marker).exists();
    assertThat(none[0]).isZero();
    assertThat(crashed[0]).isEqualTo(1);
    double worst = 0;
    for (var e : clean.entrySet()) {
      float[] a = e.getValue();
      float[] b = afterCrash.get(e.getKey());
      for (int i = 0; i < a.length; i++) {
        worst = Math.max(worst, Math.abs(a[i] - b[i]));
      }
    }
    assertThat(worst).as("max |weights after crash - weights without|").isLessThan(1e-6);
    // The checkpoint the restart started from holds what the rollout service loads.
    assertThat(tmp.resolve("crash-v1").resolve(SafeTensors.SINGLE_FILE)).isRegularFile();
    assertThat(tmp.resolve("crash-v1").resolve("config.json")).isRegularFile();
  }

  @Test
  void badSetupFailsWithTheCause() throws Exception {
    assertThatThrownBy(() -> WorkerGroup.preflight("/nonexistent/python3"))
        .isInstanceOf(WorkerException.class)
        .hasMessageContaining("python interpreter '/nonexistent/python3' not found");
    Path noTorch = tmp.resolve("python-without-torch");
    Files.writeString(noTorch, "#!/bin/sh\nexec /usr/bin/python3 -S \"$@\"\n");
    noTorch.toFile().setExecutable(true);
    assertThatThrownBy(() -> WorkerGroup.preflight(noTorch.toString()))
        .isInstanceOf(WorkerException.class)
        .hasMessageContaining("cannot import torch");
    // A run on the torch backend whose workers cannot start fails its start with that reason.
    var noPython =
        new WorkerGroup.Spec(
            "/nonexistent/python3", null, 2, 1, "cpu", Duration.ofSeconds(5), tmp, Map.of());
    try (LlamaModel model = LlamaModel.randomInit(CONFIG, Device.cpu(), 3)) {
      assertThatThrownBy(
              () ->
                  new TorchBackend(
                      "r", model, null, null, TRAINER, noPython, WorkerClient.Timeouts.defaults()))
          .isInstanceOf(WorkerException.class)
          .hasMessageContaining("python interpreter '/nonexistent/python3' not found");
    }
  }
}
