package dev.grpo.policy.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AdamW against a plain-Java double-precision reference of torch.optim.AdamW + clip_grad_norm_.
 * Tolerance: |djl - ref| <= 2e-6 + 1e-5 |ref| per parameter entry after every step.
 */
class AdamWTest {

  static NDManager manager;

  @BeforeAll
  static void start() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void stop() {
    manager.close();
  }

  static final AdamWConfig CFG =
      new AdamWConfig(0.05, 0.9, 0.99, 1e-8, 0.1, 1.5, 2, LrSchedule.COSINE, 6, 0.1);

  /** Gradients of sum(p * c) are c: lets the test choose each step's gradient exactly. */
  static void backwardWithGradients(Map<String, NDArray> params, Map<String, float[]> grads) {
    try (GradientCollector gc = Engine.getInstance().newGradientCollector();
        NDManager tmp = manager.newSubManager()) {
      NDArray loss = null;
      for (var e : params.entrySet()) {
        NDArray c = tmp.create(grads.get(e.getKey()), e.getValue().getShape());
        NDArray term = e.getValue().mul(c).sum();
        loss = loss == null ? term : loss.add(term);
      }
      gc.backward(loss);
    }
  }

  static Map<String, float[]> randomGrads(
      Random rnd, Map<String, float[]> shapesLike, double scale) {
    Map<String, float[]> g = new LinkedHashMap<>();
    for (var e : shapesLike.entrySet()) {
      float[] v = new float[e.getValue().length];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) (scale * rnd.nextGaussian());
      }
      g.put(e.getKey(), v);
    }
    return g;
  }

  @Test
  void matchesPlainJavaReferenceOverSeveralSteps() {
    Random rnd = new Random(3);
    Map<String, float[]> init = new LinkedHashMap<>();
    init.put("w", randomGrads(rnd, Map.of("w", new float[12]), 1).get("w"));
    init.put("b", randomGrads(rnd, Map.of("b", new float[4]), 1).get("b"));
    Map<String, long[]> shapes = Map.of("w", new long[] {3, 4}, "b", new long[] {4});
    try (NDManager m = manager.newSubManager()) {
      Map<String, NDArray> params = new LinkedHashMap<>();
      Map<String, double[]> ref = new LinkedHashMap<>();
      Map<String, double[]> mRef = new LinkedHashMap<>();
      Map<String, double[]> vRef = new LinkedHashMap<>();
      for (var e : init.entrySet()) {
        NDArray p = m.create(e.getValue(), new Shape(shapes.get(e.getKey())));
        p.setRequiresGradient(true);
        params.put(e.getKey(), p);
        double[] d = new double[e.getValue().length];
        for (int i = 0; i < d.length; i++) {
          d[i] = e.getValue()[i];
        }
        ref.put(e.getKey(), d);
        mRef.put(e.getKey(), new double[d.length]);
        vRef.put(e.getKey(), new double[d.length]);
      }
      try (AdamW opt = new AdamW(params, CFG)) {
        boolean clipped = false;
        for (int step = 0; step < 8; step++) {
          Map<String, float[]> g = randomGrads(rnd, init, step % 2 == 0 ? 1.0 : 0.1);
          opt.zeroGradients();
          backwardWithGradients(params, g);
          AdamW.Update u = opt.step();
          // reference
          double sq = 0;
          for (float[] gv : g.values()) {
            for (float x : gv) {
              sq += (double) x * x;
            }
          }
          double norm = Math.sqrt(sq);
          double coef = Math.min(1, CFG.maxGradNorm() / (norm + 1e-6));
          clipped |= coef < 1;
          double lr = CFG.learningRateAt(step);
          int t = step + 1;
          for (String name : init.keySet()) {
            double[] p = ref.get(name);
            double[] mm = mRef.get(name);
            double[] vv = vRef.get(name);
            boolean decay = shapes.get(name).length >= 2;
            for (int i = 0; i < p.length; i++) {
              double gi = g.get(name)[i] * coef;
              mm[i] = 0.9 * mm[i] + 0.1 * gi;
              vv[i] = 0.99 * vv[i] + 0.01 * gi * gi;
              if (decay) {
                p[i] *= 1 - lr * CFG.weightDecay();
              }
              double mhat = mm[i] / (1 - Math.pow(0.9, t));
              double vhat = vv[i] / (1 - Math.pow(0.99, t));
              p[i] -= lr * mhat / (Math.sqrt(vhat) + CFG.epsilon());
            }
            float[] got = params.get(name).toFloatArray();
            for (int i = 0; i < p.length; i++) {
              assertThat(Math.abs(got[i] - p[i]))
                  .as("step %d %s[%d]: %s vs %s", step, name, i, got[i], p[i])
                  .isLessThanOrEqualTo(2e-6 + 1e-5 * Math.abs(p[i]));
            }
          }
          assertThat(u.gradNorm())
              .isCloseTo(norm, org.assertj.core.data.Offset.offset(1e-5 * norm));
          assertThat(u.learningRate()).isEqualTo(lr);
          assertThat(u.skipped()).isFalse();
        }
        assertThat(clipped).as("the test must exercise clipping").isTrue();
        assertThat(opt.stepCount()).isEqualTo(8);
      }
    }
  }

  @Test
  void scheduleWarmupThenCosineToTheFloor() {
    // warmup 2: lr/2, lr; cosine over steps 2..6: lr at 2, floor (0.1 lr) at 6 and after
    assertThat(CFG.learningRateAt(0)).isEqualTo(0.025);
    assertThat(CFG.learningRateAt(1)).isEqualTo(0.05);
    assertThat(CFG.learningRateAt(2)).isCloseTo(0.05, org.assertj.core.data.Offset.offset(1e-15));
    assertThat(CFG.learningRateAt(4))
        .isCloseTo(0.005 + 0.045 * 0.5, org.assertj.core.data.Offset.offset(1e-15));
    assertThat(CFG.learningRateAt(6)).isCloseTo(0.005, org.assertj.core.data.Offset.offset(1e-15));
    assertThat(CFG.learningRateAt(100))
        .isCloseTo(0.005, org.assertj.core.data.Offset.offset(1e-15));
    assertThat(AdamWConfig.constant(0.1).learningRateAt(50)).isEqualTo(0.1);
  }

  @Test
  void saveAndLoadStateResumesExactly(@TempDir Path dir) throws Exception {
    Random rnd = new Random(11);
    Map<String, float[]> init =
        Map.of("w", randomGrads(rnd, Map.of("w", new float[6]), 1).get("w"));
    Map<String, float[]> g1 = randomGrads(rnd, init, 1);
    Map<String, float[]> g2 = randomGrads(rnd, init, 1);
    Map<String, float[]> g3 = randomGrads(rnd, init, 1);
    try (NDManager m = manager.newSubManager()) {
      Map<String, NDArray> a = Map.of("w", m.create(init.get("w"), new Shape(2, 3)));
      a.get("w").setRequiresGradient(true);
      float[] afterTwo;
      try (AdamW opt = new AdamW(a, CFG)) {
        for (var g : java.util.List.of(g1, g2)) {
          opt.zeroGradients();
          backwardWithGradients(a, g);
          opt.step();
        }
        afterTwo = a.get("w").toFloatArray();
        opt.saveState(dir);
        opt.zeroGradients();
        backwardWithGradients(a, g3);
        opt.step();
      }
      assertThat(Files.readString(dir.resolve(AdamW.STATE_JSON_FILE))).contains("\"step\" : 2");
      // a fresh optimizer on a copy of the weights after two steps, resumed from the files
      Map<String, NDArray> b = Map.of("w", m.create(afterTwo, new Shape(2, 3)));
      b.get("w").setRequiresGradient(true);
      try (AdamW resumed = new AdamW(b, CFG)) {
        resumed.loadState(dir);
        assertThat(resumed.stepCount()).isEqualTo(2);
        resumed.zeroGradients();
        backwardWithGradients(b, g3);
        resumed.step();
      }
      assertThat(b.get("w").toFloatArray()).containsExactly(a.get("w").toFloatArray());
    }
  }

  @Test
  void badConfigAndMismatchedStateAreNamed(@TempDir Path dir) {
    assertThatThrownBy(
            () -> new AdamWConfig(0, 0.9, 0.99, 1e-8, 0, 1, 0, LrSchedule.CONSTANT, 0, 0))
        .hasMessage("learningRate must be finite and > 0, was 0.0");
    assertThatThrownBy(
            () -> new AdamWConfig(1e-3, 0.9, 0.99, 1e-8, 0, 1, 10, LrSchedule.COSINE, 5, 0))
        .hasMessage("totalSteps must be > warmupSteps (10) for a cosine schedule, was 5");
    try (NDManager m = manager.newSubManager()) {
      Map<String, NDArray> a = Map.of("w", m.zeros(new Shape(2, 3)));
      try (AdamW opt = new AdamW(a, CFG)) {
        opt.saveState(dir);
      }
      Map<String, NDArray> other = Map.of("w", m.zeros(new Shape(3, 2)));
      try (AdamW opt = new AdamW(other, CFG)) {
        assertThatThrownBy(() -> opt.loadState(dir))
            .hasMessageContaining("tensor exp_avg.w must have shape (3, 2), was (2, 3)");
      }
    }
  }
}
