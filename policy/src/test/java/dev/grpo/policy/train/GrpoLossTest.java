package dev.grpo.policy.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * GRPO loss and its gradient w.r.t. logp against a plain-Java double-precision reference.
 *
 * <p>Tolerance: |djl - ref| <= 1e-5 * max(1, |ref|) for the loss and <= 1e-5 * max(1e-2, |ref|) for
 * each gradient entry (float32 arithmetic on O(1) inputs vs. double).
 */
class GrpoLossTest {

  static NDManager manager;

  @BeforeAll
  static void start() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void stop() {
    manager.close();
  }

  /** Plain-Java reference of loss and d loss / d logp for a whole (or micro) batch. */
  record Ref(double loss, double[][] grad) {}

  static Ref reference(
      float[][] logp,
      float[][] old,
      float[][] ref,
      float[][] beh,
      float[] adv,
      float[][] mask,
      LossConfig cfg,
      BatchTotals totals) {
    int b = logp.length;
    int t = logp[0].length;
    double[][] term = new double[b][t];
    double[][] dterm = new double[b][t];
    long active = 0;
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < t; j++) {
        double r = Math.exp((double) logp[i][j] - old[i][j]);
        double lo = 1 - cfg.epsLow();
        double hi = 1 + cfg.epsHigh();
        double clipped = Math.min(Math.max(r, lo), hi);
        double a = adv[i];
        double unc = r * a;
        double cl = clipped * a;
        double s;
        double ds;
        if (unc <= cl) {
          s = unc;
          ds = r * a;
        } else {
          s = cl;
          ds = 0; // clipped branch strictly smaller => r outside [lo, hi] => clamp has no gradient
        }
        if (cfg.correction().on() && beh != null) {
          double w = Math.min(Math.exp((double) old[i][j] - beh[i][j]), cfg.correction().cap());
          s *= w;
          ds *= w;
        }
        if (cfg.beta() > 0) {
          double d = (double) ref[i][j] - logp[i][j];
          s -= cfg.beta() * (Math.exp(d) - d - 1);
          ds -= cfg.beta() * (1 - Math.exp(d));
        }
        term[i][j] = s;
        dterm[i][j] = ds;
        active += mask[i][j] > 0 ? 1 : 0;
      }
    }
    double agg = 0;
    double[][] grad = new double[b][t];
    for (int i = 0; i < b; i++) {
      double n = 0;
      for (int j = 0; j < t; j++) {
        n += mask[i][j];
      }
      for (int j = 0; j < t; j++) {
        if (mask[i][j] == 0) {
          continue;
        }
        double scale =
            switch (cfg.variant()) {
              case GRPO -> 1.0 / Math.max(n, 1) / totals.sequences();
              case BNPO -> 1.0 / Math.max(active, 1) / totals.microBatches();
              case DAPO -> 1.0 / Math.max(totals.activeTokens(), 1);
              case DR_GRPO -> 1.0 / ((double) totals.sequences() * totals.maxCompletionLength());
            };
        agg += term[i][j] * scale;
        grad[i][j] = -dterm[i][j] * scale;
      }
    }
    return new Ref(-agg, grad);
  }

  static NDArray nd(float[][] a) {
    if (a == null) {
      return null;
    }
    int b = a.length;
    int t = a[0].length;
    float[] flat = new float[b * t];
    for (int i = 0; i < b; i++) {
      System.arraycopy(a[i], 0, flat, i * t, t);
    }
    return manager.create(flat, new Shape(b, t));
  }

  /** Runs GrpoLoss with a gradient on logp; returns {loss, grad...}. */
  static float[] djl(
      float[][] logp,
      float[][] old,
      float[][] ref,
      float[][] beh,
      float[] adv,
      float[][] mask,
      LossConfig cfg,
      BatchTotals totals) {
    try (NDManager m = manager.newSubManager()) {
      NDArray lp = nd(logp);
      lp.attach(m);
      lp.setRequiresGradient(true);
      float[] out;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        LossInputs in =
            new LossInputs(lp, nd(old), nd(ref), nd(beh), manager.create(adv), nd(mask));
        LossResult res =
            totals == null ? GrpoLoss.compute(in, cfg) : GrpoLoss.compute(in, cfg, totals);
        gc.backward(res.loss());
        float[] g;
        try (NDArray grad = lp.getGradient()) {
          g = grad.toFloatArray();
        }
        out = new float[g.length + 1];
        out[0] = (float) res.lossValue();
        System.arraycopy(g, 0, out, 1, g.length);
      }
      return out;
    }
  }

  static void assertMatches(float[] got, Ref ref) {
    assertThat(Math.abs(got[0] - ref.loss()))
        .as("loss %s vs reference %s", got[0], ref.loss())
        .isLessThanOrEqualTo(1e-5 * Math.max(1, Math.abs(ref.loss())));
    int t = ref.grad()[0].length;
    for (int i = 0; i < ref.grad().length; i++) {
      for (int j = 0; j < t; j++) {
        double want = ref.grad()[i][j];
        float have = got[1 + i * t + j];
        assertThat(Math.abs(have - want))
            .as("grad[%d][%d] %s vs reference %s", i, j, have, want)
            .isLessThanOrEqualTo(1e-5 * Math.max(1e-2, Math.abs(want)));
      }
    }
  }

  // ---------- small cases computed by hand ----------

  static final float[][] MASK_2x3 = {{1, 1, 0}, {1, 0, 0}};
  static final float[][] ZERO_2x3 = {{0, 0, 0}, {0, 0, 0}};
  static final float[] ADV_PLUS_MINUS = {1f, -1f};

  @Test
  void onPolicyRatioOneEveryVariantByHand() {
    // logp == old => r = 1; seq 1 has 2 tokens with A = +1, seq 2 has 1 token with A = -1.
    float[][] lp = {{-1, -2, -7}, {-0.5f, -3, -3}};
    // grpo: loss = -(1 + -1)/2 = 0; dL/dlogp = -A_i / (n_i * B): seq1 -0.25 each, seq2 +0.5
    float[] g =
        djl(
            lp,
            lp,
            null,
            null,
            ADV_PLUS_MINUS,
            MASK_2x3,
            LossConfig.defaults(LossVariant.GRPO),
            null);
    assertThat(g)
        .containsExactly(
            new float[] {0f, -0.25f, -0.25f, 0f, 0.5f, 0f, 0f},
            org.assertj.core.data.Offset.offset(1e-6f));
    // dapo (= bnpo with one micro-batch): loss = -(2 - 1)/3; grad = -A_i / 3
    float t3 = 1f / 3;
    g =
        djl(
            lp,
            lp,
            null,
            null,
            ADV_PLUS_MINUS,
            MASK_2x3,
            LossConfig.defaults(LossVariant.DAPO),
            null);
    assertThat(g)
        .containsExactly(
            new float[] {-t3, -t3, -t3, 0f, t3, 0f, 0f},
            org.assertj.core.data.Offset.offset(1e-6f));
    g =
        djl(
            lp,
            lp,
            null,
            null,
            ADV_PLUS_MINUS,
            MASK_2x3,
            LossConfig.defaults(LossVariant.BNPO),
            null);
    assertThat(g)
        .containsExactly(
            new float[] {-t3, -t3, -t3, 0f, t3, 0f, 0f},
            org.assertj.core.data.Offset.offset(1e-6f));
    // dr_grpo with G = 2, L = T = 3: loss = -(2 - 1)/6; grad = -A_i / 6
    float s6 = 1f / 6;
    g =
        djl(
            lp,
            lp,
            null,
            null,
            ADV_PLUS_MINUS,
            MASK_2x3,
            LossConfig.defaults(LossVariant.DR_GRPO),
            null);
    assertThat(g)
        .containsExactly(
            new float[] {-s6, -s6, -s6, 0f, s6, 0f, 0f},
            org.assertj.core.data.Offset.offset(1e-6f));
  }

  @Test
  void clippingAndKlByHand() {
    // One token, A = +1, r = 1.5 > 1.2: the clipped branch (1.2) wins and has no gradient.
    // KL: d = ref - logp = -ln 1.5, k3 = 1/1.5 + ln 1.5 - 1 = 0.0721318; beta = 0.1
    // loss = -(1.2 - 0.1 * 0.0721318) = -1.1927868; dL/dlogp = beta * (1 - 1/1.5) = 0.0333333
    float ln15 = (float) Math.log(1.5);
    float[][] one = {{1}};
    LossConfig cfg = new LossConfig(LossVariant.GRPO, 0.2, 0.2, 0.1, 0);
    float[] g =
        djl(
            new float[][] {{ln15}},
            new float[][] {{0}},
            new float[][] {{0}},
            null,
            new float[] {1f},
            one,
            cfg,
            null);
    assertThat((double) g[0]).isCloseTo(-1.1927868, org.assertj.core.data.Offset.offset(1e-6));
    assertThat((double) g[1]).isCloseTo(0.0333333, org.assertj.core.data.Offset.offset(1e-6));
    // Same ratio with A = -1: min(-1.5, -1.2) = -1.5, the unclipped branch, gradient r * A = -1.5
    // => loss = 1.5 (beta 0), dL/dlogp = +1.5
    g =
        djl(
            new float[][] {{ln15}},
            new float[][] {{0}},
            null,
            null,
            new float[] {-1f},
            one,
            LossConfig.defaults(LossVariant.GRPO),
            null);
    assertThat((double) g[0]).isCloseTo(1.5, org.assertj.core.data.Offset.offset(1e-6));
    assertThat((double) g[1]).isCloseTo(1.5, org.assertj.core.data.Offset.offset(1e-6));
    // Truncated importance weight: old - behaviour = ln 3 => w = min(3, C = 2) = 2; r = 1, A = 1
    // => loss = -2, grad = -2
    float ln3 = (float) Math.log(3);
    g =
        djl(
            new float[][] {{0}},
            new float[][] {{0}},
            null,
            new float[][] {{-ln3}},
            new float[] {1f},
            one,
            new LossConfig(LossVariant.GRPO, 0.2, 0.2, 0, 2.0),
            null);
    assertThat((double) g[0]).isCloseTo(-2.0, org.assertj.core.data.Offset.offset(1e-6));
    assertThat((double) g[1]).isCloseTo(-2.0, org.assertj.core.data.Offset.offset(1e-6));
  }

  // ---------- random inputs against the reference ----------

  record Batch(
      float[][] logp, float[][] old, float[][] ref, float[][] beh, float[] adv, float[][] mask) {}

  static Batch randomBatch(Random rnd, int b, int t) {
    float[][] logp = new float[b][t];
    float[][] old = new float[b][t];
    float[][] ref = new float[b][t];
    float[][] beh = new float[b][t];
    float[][] mask = new float[b][t];
    float[] adv = new float[b];
    for (int i = 0; i < b; i++) {
      adv[i] = (float) rnd.nextGaussian();
      int len = i == b - 1 ? 0 : 1 + rnd.nextInt(t); // the last sequence is empty on purpose
      for (int j = 0; j < t; j++) {
        logp[i][j] = (float) (-3 * rnd.nextDouble());
        old[i][j] = logp[i][j] + (float) (0.6 * (rnd.nextDouble() - 0.5)); // r in ~[0.74, 1.35]
        ref[i][j] = logp[i][j] + (float) (0.5 * rnd.nextGaussian());
        beh[i][j] = old[i][j] + (float) (0.8 * rnd.nextGaussian());
        mask[i][j] = j < len ? 1 : 0;
      }
    }
    return new Batch(logp, old, ref, beh, adv, mask);
  }

  static long active(float[][] mask) {
    long n = 0;
    for (float[] row : mask) {
      for (float v : row) {
        n += v > 0 ? 1 : 0;
      }
    }
    return n;
  }

  @Test
  void randomInputsEveryVariantEveryOption() {
    Random rnd = new Random(42);
    for (LossVariant v : LossVariant.values()) {
      for (double beta : new double[] {0, 0.04}) {
        for (double tis : new double[] {0, 2.0}) {
          for (int rep = 0; rep < 3; rep++) {
            Batch x = randomBatch(rnd, 6, 9);
            LossConfig cfg = new LossConfig(v, 0.2, 0.28, beta, tis);
            BatchTotals totals = new BatchTotals(6, active(x.mask()), 9, 1);
            Ref want =
                reference(x.logp(), x.old(), x.ref(), x.beh(), x.adv(), x.mask(), cfg, totals);
            float[] got =
                djl(
                    x.logp(),
                    x.old(),
                    beta > 0 ? x.ref() : null,
                    tis > 0 ? x.beh() : null,
                    x.adv(),
                    x.mask(),
                    cfg,
                    null);
            assertMatches(got, want);
          }
        }
      }
    }
  }

  @Test
  void microBatchSharesAddUpToTheWholeBatchLoss() {
    Random rnd = new Random(7);
    Batch x = randomBatch(rnd, 6, 8);
    for (LossVariant v : LossVariant.values()) {
      LossConfig cfg = new LossConfig(v, 0.2, 0.2, 0.02, 0);
      BatchTotals totals = new BatchTotals(6, active(x.mask()), 8, 2);
      double sum = 0;
      for (int part = 0; part < 2; part++) {
        int from = part * 3;
        Batch mb = slice(x, from, from + 3);
        Ref want = reference(mb.logp(), mb.old(), mb.ref(), null, mb.adv(), mb.mask(), cfg, totals);
        float[] got = djl(mb.logp(), mb.old(), mb.ref(), null, mb.adv(), mb.mask(), cfg, totals);
        assertMatches(got, want);
        sum += got[0];
      }
      if (v != LossVariant.BNPO) { // bnpo normalises per micro-batch by definition
        Ref whole =
            reference(
                x.logp(),
                x.old(),
                x.ref(),
                null,
                x.adv(),
                x.mask(),
                cfg,
                new BatchTotals(6, active(x.mask()), 8, 1));
        assertThat(Math.abs(sum - whole.loss())).as(v + " accumulated loss").isLessThan(1e-5);
      }
    }
  }

  static Batch slice(Batch x, int from, int to) {
    return new Batch(
        java.util.Arrays.copyOfRange(x.logp(), from, to),
        java.util.Arrays.copyOfRange(x.old(), from, to),
        java.util.Arrays.copyOfRange(x.ref(), from, to),
        java.util.Arrays.copyOfRange(x.beh(), from, to),
        java.util.Arrays.copyOfRange(x.adv(), from, to),
        java.util.Arrays.copyOfRange(x.mask(), from, to));
  }

  @Test
  void clipFractionsAndKlStatistics() {
    // A > 0 row: r = 1.5 (high clip) and r = 1.0; A < 0 row: r = 0.5 (low clip) and r = 0.9
    float l15 = (float) Math.log(1.5);
    float l05 = (float) Math.log(0.5);
    float l09 = (float) Math.log(0.9);
    float[][] lp = {{l15, 0}, {l05, l09}};
    float[][] zeros = {{0, 0}, {0, 0}};
    try (NDManager m = manager.newSubManager()) {
      LossInputs in =
          new LossInputs(
              nd(lp),
              nd(zeros),
              nd(lp),
              null,
              manager.create(new float[] {1, -1}),
              nd(new float[][] {{1, 1}, {1, 1}}));
      LossResult res = GrpoLoss.compute(in, new LossConfig(LossVariant.DAPO, 0.2, 0.2, 0.0, 0));
      assertThat(res.activeTokens()).isEqualTo(4);
      assertThat(res.clipHighCount()).isEqualTo(1);
      assertThat(res.clipLowCount()).isEqualTo(1);
      assertThat(res.klSum()).isEqualTo(0.0); // ref == logp
    }
  }

  @Test
  void badShapesAndConfigNameTheField() {
    assertThatThrownBy(
            () ->
                new LossInputs(
                    nd(new float[][] {{0, 0}}),
                    nd(new float[][] {{0}}),
                    null,
                    null,
                    manager.create(new float[] {1}),
                    nd(new float[][] {{1, 1}})))
        .hasMessageContaining("oldLogp must have the shape of logp");
    assertThatThrownBy(() -> new LossConfig(LossVariant.GRPO, 1.5, 0.2, 0, 0))
        .hasMessage("epsLow must be in [0, 1), was 1.5");
    assertThatThrownBy(() -> LossVariant.parse("ppo"))
        .hasMessage("lossVariant must be one of grpo, bnpo, dapo, dr_grpo, was ppo");
    assertThatThrownBy(
            () ->
                GrpoLoss.compute(
                    new LossInputs(
                        nd(new float[][] {{0}}),
                        nd(new float[][] {{0}}),
                        null,
                        null,
                        manager.create(new float[] {1}),
                        nd(new float[][] {{1}})),
                    new LossConfig(LossVariant.GRPO, 0.2, 0.2, 0.1, 0)))
        .hasMessageContaining("refLogp must be given when beta > 0");
  }
}
