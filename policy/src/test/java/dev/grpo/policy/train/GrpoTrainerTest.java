package dev.grpo.policy.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.grpo.policy.model.LlamaModel;
import dev.grpo.policy.model.ModelConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GrpoTrainer on a tiny real model with real gradients. */
class GrpoTrainerTest {

  @BeforeAll
  static void singleThread() {
    TestTorchThreads.useOne();
  }

  static final ModelConfig TINY = ModelConfig.llama(16, 32, 64, 2, 4, 2, 32);
  static final int TARGET = 7;

  /**
   * Ancestral sampling of a group (G completions of one prompt, batched, no padding needed) in Java
   * from the model's full forward, recording behaviour log-probs; reward 1 when the first
   * completion token is {@link #TARGET}.
   */
  static List<TrainingSample> sampleGroup(
      LlamaModel model, int[] prompt, int g, int length, Random rnd) {
    int n0 = prompt.length;
    long[][] seqs = new long[g][n0 + length];
    float[][] logps = new float[g][length];
    for (long[] s : seqs) {
      for (int k = 0; k < n0; k++) {
        s[k] = prompt[k];
      }
    }
    try (GradMode off = GradMode.disabled()) {
      for (int j = 0; j < length; j++) {
        int n = n0 + j;
        long[] ids = new long[g * n];
        for (int i = 0; i < g; i++) {
          System.arraycopy(seqs[i], 0, ids, i * n, n);
        }
        try (NDManager m = model.manager().newSubManager()) {
          float[] logits =
              model.forward(m.create(ids, new Shape(g, n)), null).get(":, -1, :").toFloatArray();
          int vocab = logits.length / g;
          for (int i = 0; i < g; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < vocab; v++) {
              max = Math.max(max, logits[i * vocab + v]);
            }
            double[] p = new double[vocab];
            double sum = 0;
            for (int v = 0; v < vocab; v++) {
              p[v] = Math.exp(logits[i * vocab + v] - max);
              sum += p[v];
            }
            double u = rnd.nextDouble() * sum;
            int tok = vocab - 1;
            for (int v = 0; v < vocab; v++) {
              u -= p[v];
              if (u <= 0) {
                tok = v;
                break;
              }
            }
            seqs[i][n] = tok;
            logps[i][j] = (float) Math.log(p[tok] / sum);
          }
        }
      }
    }
    List<TrainingSample> out = new ArrayList<>();
    for (int i = 0; i < g; i++) {
      int[] completion = new int[length];
      for (int j = 0; j < length; j++) {
        completion[j] = (int) seqs[i][n0 + j];
      }
      out.add(new TrainingSample(completion, logps[i], completion[0] == TARGET ? 1.0 : 0.0));
    }
    return out;
  }

  static double probabilityOfTarget(LlamaModel model, int[] prompt) {
    float[][] lp =
        TokenLogProbs.compute(model, List.of(prompt), List.of(new int[] {TARGET}), 1.0, 1);
    return Math.exp(lp[0][0]);
  }

  static List<TrainingGroup> rollouts(LlamaModel model, List<int[]> prompts, int g, Random rnd) {
    List<TrainingGroup> groups = new ArrayList<>();
    for (int[] prompt : prompts) {
      groups.add(new TrainingGroup(prompt, sampleGroup(model, prompt, g, 3, rnd), 0));
    }
    return groups;
  }

  static GrpoTrainerConfig config(
      LossVariant v, double beta, double tis, int mu, int mbs, double lr) {
    return new GrpoTrainerConfig(
        new LossConfig(v, 0.2, 0.28, beta, tis),
        mu,
        mbs,
        1.0,
        0,
        new AdamWConfig(lr, 0.9, 0.99, 1e-8, 0.0, 1.0, 0, LrSchedule.CONSTANT, 0, 0));
  }

  @Test
  void tinyModelLearnsToEmitTheRewardedToken() {
    List<int[]> prompts = List.of(new int[] {1, 3, 4}, new int[] {1, 5});
    try (LlamaModel model = LlamaModel.randomInit(TINY, Device.cpu(), 17);
        GrpoTrainer trainer =
            new GrpoTrainer(model, config(LossVariant.GRPO, 0.0, 0.0, 1, 8, 2e-2))) {
      double before = probabilityOfTarget(model, prompts.get(0));
      Random rnd = new Random(5);
      StepMetrics last = null;
      int skippedUpdates = 0;
      for (int s = 0; s < 25; s++) {
        last = trainer.step(rollouts(model, prompts, 8, rnd));
        // A step whose gradient norm was not finite (about one full-suite run in ten) was the
        // backward reading freed memory after a garbage collection (see GradientUnderGcTest); none
        // is expected now.
        if (last.skippedUpdates() > 0) {
          System.err.println("step " + s + " skipped its update: " + last);
        }
        skippedUpdates += last.skippedUpdates();
        assertThat(last.loss()).isFinite();
      }
      assertThat(skippedUpdates).as("updates skipped for a non-finite gradient norm").isZero();
      double after = probabilityOfTarget(model, prompts.get(0));
      // random init gives ~1/16; the policy must have moved most of its mass onto the target
      assertThat(before).isLessThan(0.2);
      assertThat(after).as("P(target) before %s after %s", before, after).isGreaterThan(0.8);
      assertThat(last.rewardMean()).isGreaterThan(0.6);
      assertThat(last.step()).isEqualTo(25);
      assertThat(last.optimizerSteps()).isEqualTo(25 - skippedUpdates);
      assertThat(last.tokens()).isEqualTo(2 * 8 * 3);
      assertThat(last.sequences()).isEqualTo(16);
    }
  }

  @Test
  void microBatchSizeDoesNotChangeLossOrGradient() {
    for (LossVariant v :
        new LossVariant[] {LossVariant.GRPO, LossVariant.DAPO, LossVariant.DR_GRPO}) {
      StepMetrics whole;
      StepMetrics split;
      List<TrainingGroup> batch;
      try (LlamaModel model = LlamaModel.randomInit(TINY, Device.cpu(), 3)) {
        batch = rollouts(model, List.of(new int[] {2, 3}, new int[] {4}), 4, new Random(9));
      }
      try (LlamaModel model = LlamaModel.randomInit(TINY, Device.cpu(), 3);
          GrpoTrainer t = new GrpoTrainer(model, config(v, 0.0, 0.0, 1, 8, 1e-3))) {
        whole = t.step(batch);
      }
      try (LlamaModel model = LlamaModel.randomInit(TINY, Device.cpu(), 3);
          GrpoTrainer t = new GrpoTrainer(model, config(v, 0.0, 0.0, 1, 3, 1e-3))) {
        split = t.step(batch);
      }
      // float32 sums in another order: 1e-5 relative (1e-7 absolute for a ~0 loss)
      assertThat(Math.abs(split.loss() - whole.loss()))
          .as(v + " loss")
          .isLessThan(1e-7 + 1e-5 * Math.abs(whole.loss()));
      assertThat(Math.abs(split.gradNorm() - whole.gradNorm()))
          .as(v + " grad norm")
          .isLessThan(1e-5 * whole.gradNorm());
      assertThat(whole.gradNorm()).isGreaterThan(0);
    }
  }

  /** Rewards 1, 0, 1, 0, ...: a signal regardless of what was sampled. */
  static List<TrainingGroup> withAlternatingRewards(List<TrainingGroup> groups) {
    List<TrainingGroup> out = new ArrayList<>();
    for (TrainingGroup g : groups) {
      List<TrainingSample> s = new ArrayList<>();
      for (int i = 0; i < g.completions().size(); i++) {
        TrainingSample x = g.completions().get(i);
        s.add(
            new TrainingSample(x.completionTokenIds(), x.behaviourLogProbs(), i % 2 == 0 ? 1 : 0));
      }
      out.add(new TrainingGroup(g.promptTokenIds(), s, g.policyVersion()));
    }
    return out;
  }

  @Test
  void klTruncatedImportanceAndInnerIterations() {
    List<int[]> prompts = List.of(new int[] {1, 2, 3});
    try (LlamaModel model = LlamaModel.randomInit(TINY, Device.cpu(), 21);
        GrpoTrainer trainer =
            new GrpoTrainer(model, config(LossVariant.BNPO, 0.05, 2.0, 2, 3, 5e-2))) {
      Random rnd = new Random(2);
      StepMetrics first = trainer.step(withAlternatingRewards(rollouts(model, prompts, 6, rnd)));
      // the reference is a copy of the initial policy: KL of the first iteration is 0 and the
      // second
      // iteration (after one update) is > 0; the mean over μ = 2 is therefore > 0 but small
      assertThat(first.kl()).isGreaterThan(0).isLessThan(1.0);
      assertThat(first.optimizerSteps()).isEqualTo(2);
      StepMetrics second = trainer.step(withAlternatingRewards(rollouts(model, prompts, 6, rnd)));
      assertThat(second.kl()).isGreaterThan(0);
      assertThat(second.entropy()).isBetween(0.0, Math.log(16) + 1e-6);
      assertThat(second.clipFracLow() + second.clipFracHigh()).isBetween(0.0, 1.0);
    }
  }

  @Test
  void everyLossOptionTrainsAStepAndReportsItsMetrics() {
    List<int[]> prompts = List.of(new int[] {1, 2, 3}, new int[] {4, 5});
    LossConfig base = new LossConfig(LossVariant.GRPO, 0.2, 0.28, 0.0, 0);
    List<LossConfig> options =
        List.of(
            base.withLevel(ImportanceLevel.SEQUENCE),
            base.withObjective(LossObjective.CISPO),
            base.withObjective(LossObjective.SAPO),
            base.withDelta(1.5),
            base.withProbGapEps(0.5),
            base.withCorrection(
                new OffPolicyCorrection(OffPolicyCorrection.Mode.SEQUENCE_MASK, 2.0)),
            base.withMaskTruncated(true)
                .withAdvantages(AdvantageScaling.BATCH, RewardAggregation.NORMALIZE_THEN_SUM));
    for (LossConfig loss : options) {
      try (LlamaModel model = LlamaModel.randomInit(TINY, Device.cpu(), 21);
          GrpoTrainer trainer =
              new GrpoTrainer(
                  model,
                  new GrpoTrainerConfig(
                      loss,
                      2,
                      4,
                      1.0,
                      0,
                      new AdamWConfig(
                          5e-2, 0.9, 0.99, 1e-8, 0.0, 1.0, 0, LrSchedule.CONSTANT, 0, 0)))) {
        Random rnd = new Random(3);
        List<TrainingGroup> batch = new ArrayList<>();
        for (TrainingGroup g : withAlternatingRewards(rollouts(model, prompts, 4, rnd))) {
          List<TrainingSample> samples = new ArrayList<>();
          for (int i = 0; i < g.completions().size(); i++) {
            TrainingSample x = g.completions().get(i);
            samples.add(
                new TrainingSample(
                    x.completionTokenIds(),
                    x.behaviourLogProbs(),
                    x.reward(),
                    i == 0,
                    new double[] {x.reward(), 1 - x.reward()}));
          }
          batch.add(new TrainingGroup(g.promptTokenIds(), samples, 0, new double[] {1, 0.5}));
        }
        StepMetrics m = trainer.step(batch);
        assertThat(m.loss()).as(loss.toString()).isFinite();
        assertThat(m.gradNorm()).as(loss.toString()).isFinite().isPositive();
        assertThat(m.clipFracDelta()).isBetween(0.0, 1.0);
        assertThat(m.maskedFrac()).isBetween(0.0, 1.0);
        assertThat(m.isWeightMin()).isLessThanOrEqualTo(m.isWeightMean());
        assertThat(m.isWeightMean()).isLessThanOrEqualTo(m.isWeightMax());
        if (loss.maskTruncated()) {
          assertThat(m.truncatedTokens()).as("one truncated completion per group").isPositive();
        }
        if (loss.correction().on()) {
          assertThat(m.isWeightMax()).isLessThanOrEqualTo(2.0);
        }
      }
    }
  }

  @Test
  void resumeFromSavedStateContinuesIdentically(@TempDir Path dir) {
    GrpoTrainerConfig cfg = config(LossVariant.DAPO, 0.0, 0.0, 1, 4, 1e-2);
    List<List<TrainingGroup>> batches = new ArrayList<>();
    try (LlamaModel model = LlamaModel.randomInit(TINY, Device.cpu(), 8)) {
      Random rnd = new Random(4);
      for (int i = 0; i < 3; i++) {
        batches.add(rollouts(model, List.of(new int[] {3, 1}), 4, rnd));
      }
    }
    Map<String, float[]> straight = new LinkedHashMap<>();
    try (LlamaModel model = LlamaModel.randomInit(TINY, Device.cpu(), 8);
        GrpoTrainer t = new GrpoTrainer(model, cfg)) {
      t.step(batches.get(0));
      t.step(batches.get(1));
      t.saveState(dir);
      Map<String, NDArray> snapshot = model.parameters();
      try (LlamaModel copy = LlamaModel.fromWeights(TINY, snapshot);
          GrpoTrainer resumed = new GrpoTrainer(copy, cfg)) {
        t.step(batches.get(2));
        resumed.loadState(dir);
        assertThat(resumed.stepCount()).isEqualTo(2);
        assertThat(resumed.optimizer().stepCount()).isEqualTo(2);
        StepMetrics m = resumed.step(batches.get(2));
        assertThat(m.step()).isEqualTo(3);
        for (var e : model.parameters().entrySet()) {
          assertThat(copy.parameters().get(e.getKey()).toFloatArray())
              .as(e.getKey())
              .containsExactly(e.getValue().toFloatArray());
        }
      }
    }
  }

  @Test
  void badBatchesAreNamed() {
    try (LlamaModel model = LlamaModel.randomInit(TINY, Device.cpu(), 1);
        GrpoTrainer t = new GrpoTrainer(model, config(LossVariant.GRPO, 0, 0, 1, 4, 1e-3))) {
      TrainingGroup bad =
          new TrainingGroup(
              new int[] {1},
              List.of(
                  new TrainingSample(new int[] {3}, null, 1),
                  new TrainingSample(new int[] {99}, null, 0)),
              0);
      assertThatThrownBy(() -> t.step(List.of(bad)))
          .hasMessage(
              "groups[0].completions[1].completionTokenIds[0] must be a token id in [0, 16), was"
                  + " 99");
      assertThatThrownBy(() -> new TrainingSample(new int[] {1, 2}, new float[] {0f}, 1))
          .hasMessage("behaviourLogProbs must have one value per completion token (2), had 1");
      assertThatThrownBy(
              () ->
                  new GrpoTrainerConfig(
                      LossConfig.defaults(LossVariant.GRPO),
                      0,
                      1,
                      1,
                      0,
                      AdamWConfig.constant(1e-3)))
          .hasMessage("mu must be >= 1, was 0");
    }
  }
}
