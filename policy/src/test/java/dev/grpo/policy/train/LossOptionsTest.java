package dev.grpo.policy.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.grpo.policy.train.OffPolicyCorrection.Mode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The loss options of issue 17 (GSPO, CISPO, SAPO, two-sided clipping, mask_truncated, off-policy
 * correction modes, probability-gap mask) against {@link LossReference}: small cases computed by
 * hand, the reference's gradient checked by finite differences in float64, and the float32 loss's
 * gradient matching the reference's analytic gradient within a relative 1e-5 (absolute floor 1e-7).
 */
class LossOptionsTest {

  static NDManager manager;

  @BeforeAll
  static void start() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void stop() {
    manager.close();
  }

  /** A float32 case and the result of the real loss on it. */
  record Run(LossResult result, float[][] grad) {}

  record FloatCase(
      float[][] logp,
      float[][] old,
      float[][] ref,
      float[][] beh,
      float[] adv,
      float[][] mask,
      float[] truncated,
      LossConfig cfg) {

    LossReference.Case reference() {
      return new LossReference.Case(
          LossReference.toDouble(logp),
          LossReference.toDouble(old),
          LossReference.toDouble(ref),
          LossReference.toDouble(beh),
          LossReference.toDouble(adv),
          LossReference.toDouble(mask),
          LossReference.toDouble(truncated),
          cfg,
          null);
    }
  }

  static NDArray nd(NDManager m, float[][] a) {
    if (a == null) {
      return null;
    }
    int t = a[0].length;
    float[] flat = new float[a.length * t];
    for (int i = 0; i < a.length; i++) {
      System.arraycopy(a[i], 0, flat, i * t, t);
    }
    return m.create(flat, new Shape(a.length, t));
  }

  static Run run(FloatCase c) {
    try (NDManager m = manager.newSubManager()) {
      NDArray lp = nd(m, c.logp());
      lp.setRequiresGradient(true);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        LossInputs in =
            new LossInputs(
                lp,
                nd(m, c.old()),
                nd(m, c.ref()),
                nd(m, c.beh()),
                m.create(c.adv()),
                nd(m, c.mask()),
                c.truncated() == null ? null : m.create(c.truncated()));
        LossResult res = GrpoLoss.compute(in, c.cfg());
        gc.backward(res.loss());
        float[] flat = lp.getGradient().toFloatArray();
        int t = c.logp()[0].length;
        float[][] g = new float[c.logp().length][t];
        for (int i = 0; i < g.length; i++) {
          System.arraycopy(flat, i * t, g[i], 0, t);
        }
        return new Run(res, g);
      }
    }
  }

  /**
   * |have - want| <= max(1e-7, 1e-5 |want|) for every entry; the loss within 1e-5 max(1, |ref|).
   */
  static void assertMatchesReference(FloatCase c, Run got) {
    LossReference.Case ref = c.reference();
    double loss = LossReference.loss(ref);
    assertThat(Math.abs(got.result().lossValue() - loss))
        .as("loss %s vs reference %s (%s)", got.result().lossValue(), loss, c.cfg())
        .isLessThanOrEqualTo(1e-5 * Math.max(1, Math.abs(loss)));
    double[][] want = LossReference.grad(ref);
    for (int i = 0; i < want.length; i++) {
      for (int j = 0; j < want[i].length; j++) {
        assertThat(Math.abs(got.grad()[i][j] - want[i][j]))
            .as("grad[%d][%d] %s vs reference %s (%s)", i, j, got.grad()[i][j], want[i][j], c.cfg())
            .isLessThanOrEqualTo(Math.max(1e-7, 1e-5 * Math.abs(want[i][j])));
      }
    }
  }

  static final LossConfig GRPO = LossConfig.defaults(LossVariant.GRPO);
  static final float LN3 = (float) Math.log(3);

  // ---------- small cases computed by hand ----------

  @Test
  void gspoClipsTheSequenceRatioByHand() {
    // log-ratios 0.1 and 0.3: the sequence ratio is exp(0.2) = 1.2214 > 1.2.
    float[][] lp = {{-1.0f, -1.0f}};
    float[][] old = {{-1.1f, -1.3f}};
    float[][] mask = {{1, 1}};
    LossConfig gspo = GRPO.withLevel(ImportanceLevel.SEQUENCE);
    // A = +1: the clipped branch 1.2 wins for both tokens, no gradient.
    FloatCase plus = new FloatCase(lp, old, null, null, new float[] {1}, mask, null, gspo);
    Run r = run(plus);
    assertThat(r.result().lossValue()).isCloseTo(-1.2, within(1e-6));
    assertThat(r.grad()[0])
        .containsExactly(new float[] {0, 0}, org.assertj.core.data.Offset.offset(0f));
    assertThat(r.result().clipHighCount()).isEqualTo(2);
    // A = -1: the unclipped branch -exp(0.2) wins; dL/dlogp_k = -A exp(0.2) / 2 per token.
    double e02 = Math.exp(0.2);
    FloatCase minus = new FloatCase(lp, old, null, null, new float[] {-1}, mask, null, gspo);
    r = run(minus);
    assertThat(r.result().lossValue()).isCloseTo(e02, within(1e-6));
    assertThat((double) r.grad()[0][0]).isCloseTo(e02 / 2, within(1e-6));
    assertThat((double) r.grad()[0][1]).isCloseTo(e02 / 2, within(1e-6));
    assertThat(LossReference.loss(minus.reference())).isCloseTo(e02, within(1e-6));
    assertMatchesReference(minus, r);
  }

  @Test
  void cispoWeightsTheLogProbByTheClippedRatioByHand() {
    // r = exp(0.5) = 1.6487 > 1.2: the detached weight is 1.2; A = 2, logp = -1.
    // loss = -(1.2 * 2 * -1) = 2.4, dL/dlogp = -1.2 * 2 = -2.4 (a gradient although clipped).
    FloatCase c =
        new FloatCase(
            new float[][] {{-1}},
            new float[][] {{-1.5f}},
            null,
            null,
            new float[] {2},
            new float[][] {{1}},
            null,
            GRPO.withObjective(LossObjective.CISPO));
    Run r = run(c);
    assertThat(r.result().lossValue()).isCloseTo(2.4, within(1e-6));
    assertThat((double) r.grad()[0][0]).isCloseTo(-2.4, within(1e-6));
    assertThat(r.result().clipHighCount()).isEqualTo(1);
    assertThat(LossReference.loss(c.reference())).isCloseTo(2.4, within(1e-9));
    assertMatchesReference(c, r);
  }

  @Test
  void sapoGateByHand() {
    // r = 1: sigmoid(0) 4 / tau A = 2 A / tau; d/dlogp = 4 sigmoid(0) (1 - sigmoid(0)) A r = A.
    LossConfig sapo = GRPO.withObjective(LossObjective.SAPO).withTau(1.0, 2.0);
    FloatCase pos =
        new FloatCase(
            new float[][] {{-0.7f}},
            new float[][] {{-0.7f}},
            null,
            null,
            new float[] {1},
            new float[][] {{1}},
            null,
            sapo);
    Run r = run(pos);
    assertThat(r.result().lossValue()).isCloseTo(-2.0, within(1e-6)); // tauPos = 1
    assertThat((double) r.grad()[0][0]).isCloseTo(-1.0, within(1e-6));
    FloatCase neg =
        new FloatCase(
            new float[][] {{-0.7f}},
            new float[][] {{-0.7f}},
            null,
            null,
            new float[] {-1},
            new float[][] {{1}},
            null,
            sapo);
    r = run(neg);
    assertThat(r.result().lossValue()).isCloseTo(1.0, within(1e-6)); // tauNeg = 2: 0.5 4 / 2
    assertThat((double) r.grad()[0][0]).isCloseTo(1.0, within(1e-6));
    assertMatchesReference(neg, r);
  }

  @Test
  void twoSidedClippingCapsNegativeAdvantageRatiosByHand() {
    // A = -1, r = e = 2.718 > delta = 2: min(2 A, 1.2 A) = -2, no gradient; without delta the
    // term is -e and the gradient -A r = e.
    FloatCase c =
        new FloatCase(
            new float[][] {{0}},
            new float[][] {{-1}},
            null,
            null,
            new float[] {-1},
            new float[][] {{1}},
            null,
            GRPO.withDelta(2.0));
    Run r = run(c);
    assertThat(r.result().lossValue()).isCloseTo(2.0, within(1e-6));
    assertThat(r.grad()[0][0]).isEqualTo(0f);
    assertThat(r.result().clipDeltaCount()).isEqualTo(1);
    r = run(new FloatCase(c.logp(), c.old(), null, null, c.adv(), c.mask(), null, GRPO));
    assertThat(r.result().lossValue()).isCloseTo(Math.E, within(1e-5));
    assertThat((double) r.grad()[0][0]).isCloseTo(Math.E, within(1e-5));
  }

  @Test
  void maskTruncatedDropsTheCompletionFromLossAndNormaliserByHand() {
    // Two one-token completions, A = (1, -1), r = 1, the second truncated.
    float[][] lp = {{-1}, {-2}};
    float[][] mask = {{1}, {1}};
    float[] adv = {1, -1};
    float[] truncated = {0, 1};
    LossConfig dapo = LossConfig.defaults(LossVariant.DAPO).withMaskTruncated(true);
    Run r = run(new FloatCase(lp, lp, null, null, adv, mask, truncated, dapo));
    // dapo over the one active token: loss = -1, grad (-1, 0)
    assertThat(r.result().lossValue()).isCloseTo(-1.0, within(1e-6));
    assertThat(r.grad()[0][0]).isCloseTo(-1f, within(1e-6f));
    assertThat(r.grad()[1][0]).isEqualTo(0f);
    assertThat(r.result().activeTokens()).isEqualTo(1);
    assertThat(r.result().truncatedTokens()).isEqualTo(1);
    // grpo keeps B = 2 in its mean: loss = -(1 + 0) / 2
    r = run(new FloatCase(lp, lp, null, null, adv, mask, truncated, GRPO.withMaskTruncated(true)));
    assertThat(r.result().lossValue()).isCloseTo(-0.5, within(1e-6));
    // off: dapo loss = -(1 - 1) / 2 = 0, grad (-0.5, 0.5)
    r =
        run(
            new FloatCase(
                lp, lp, null, null, adv, mask, truncated, LossConfig.defaults(LossVariant.DAPO)));
    assertThat(r.result().lossValue()).isCloseTo(0.0, within(1e-6));
    assertThat(r.grad()[1][0]).isCloseTo(0.5f, within(1e-6f));
  }

  @Test
  void correctionModesByHand() {
    // One token, r = 1, A = 1: the loss is -w and the gradient -w.
    float[][] lp = {{-1}};
    float[][] mask = {{1}};
    // old - beh = ln 3: token_truncate cap 2 -> w = 2; token_mask cap 2 -> w = 0 (masked).
    float[][] beh = {{-1 - LN3}};
    Run r = run(corrected(lp, beh, mask, Mode.TOKEN_TRUNCATE, 2));
    assertThat(r.result().lossValue()).isCloseTo(-2.0, within(1e-5));
    assertThat(r.grad()[0][0]).isCloseTo(-2f, within(1e-5f));
    assertThat(r.result().isWeightMax()).isCloseTo(2.0, within(1e-6));
    r = run(corrected(lp, beh, mask, Mode.TOKEN_MASK, 2));
    assertThat(r.result().lossValue()).isCloseTo(0.0, within(1e-7));
    assertThat(r.grad()[0][0]).isEqualTo(0f);
    assertThat(r.result().maskedCount()).isEqualTo(1);
    // Two tokens with old - beh = ln 1.5 each: the sequence weight is 2.25 -> 2 or 0; with ln 1.2
    // each it is 1.44 and kept. grpo: loss = -w, grad = -w / 2 per token.
    float l15 = (float) Math.log(1.5);
    float l12 = (float) Math.log(1.2);
    float[][] lp2 = {{-1, -1}};
    float[][] mask2 = {{1, 1}};
    r = run(corrected(lp2, new float[][] {{-1 - l15, -1 - l15}}, mask2, Mode.SEQUENCE_TRUNCATE, 2));
    assertThat(r.result().lossValue()).isCloseTo(-2.0, within(1e-5));
    r = run(corrected(lp2, new float[][] {{-1 - l15, -1 - l15}}, mask2, Mode.SEQUENCE_MASK, 2));
    assertThat(r.result().lossValue()).isCloseTo(0.0, within(1e-7));
    assertThat(r.result().maskedCount()).isEqualTo(2);
    r = run(corrected(lp2, new float[][] {{-1 - l12, -1 - l12}}, mask2, Mode.SEQUENCE_MASK, 2));
    assertThat(r.result().lossValue()).isCloseTo(-1.44, within(1e-5));
    assertThat(r.grad()[0][1]).isCloseTo(-0.72f, within(1e-5f));
    assertThat(r.result().isWeightSum() / 2).isCloseTo(1.44, within(1e-5));
  }

  static FloatCase corrected(float[][] lp, float[][] beh, float[][] mask, Mode mode, double cap) {
    return new FloatCase(
        lp,
        lp,
        null,
        beh,
        new float[] {1},
        mask,
        null,
        GRPO.withCorrection(new OffPolicyCorrection(mode, cap)));
  }

  @Test
  void probabilityGapMaskByHand() {
    // p = 0.5 in both tokens; behaviour 0.3 (gap 0.2 > 0.1: masked) and 0.45 (gap 0.05: kept).
    // A = +1, r = 1, grpo: loss = -(0 + 1) / 2, grad (0, -1/2). The same for A < 0 masks too.
    float lhalf = (float) Math.log(0.5);
    float[][] lp = {{lhalf, lhalf}};
    float[][] beh = {{(float) Math.log(0.3), (float) Math.log(0.45)}};
    FloatCase c =
        new FloatCase(
            lp,
            lp,
            null,
            beh,
            new float[] {1},
            new float[][] {{1, 1}},
            null,
            GRPO.withProbGapEps(0.1));
    Run r = run(c);
    assertThat(r.result().lossValue()).isCloseTo(-0.5, within(1e-6));
    assertThat(r.grad()[0][0]).isEqualTo(0f);
    assertThat(r.grad()[0][1]).isCloseTo(-0.5f, within(1e-6f));
    assertThat(r.result().maskedCount()).isEqualTo(1);
    assertMatchesReference(c, r);
  }

  // ---------- the reference's gradient, and the float32 loss against it ----------

  /** Every option alone and in combination, on every aggregation. */
  static List<LossConfig> configs() {
    List<LossConfig> out = new ArrayList<>();
    for (LossVariant v : LossVariant.values()) {
      LossConfig base = new LossConfig(v, 0.2, 0.28, 0.04, 0);
      out.add(base);
      out.add(base.withLevel(ImportanceLevel.SEQUENCE));
      out.add(base.withObjective(LossObjective.CISPO));
      out.add(base.withObjective(LossObjective.SAPO).withTau(1.0, 1.05));
      out.add(base.withDelta(1.6));
      out.add(base.withMaskTruncated(true));
      out.add(base.withProbGapEps(0.05));
      for (Mode m : Mode.values()) {
        if (m != Mode.NONE) {
          out.add(base.withCorrection(new OffPolicyCorrection(m, 1.5)));
        }
      }
      out.add(
          base.withLevel(ImportanceLevel.SEQUENCE)
              .withCorrection(new OffPolicyCorrection(Mode.SEQUENCE_MASK, 2))
              .withProbGapEps(0.1)
              .withMaskTruncated(true));
      out.add(
          base.withObjective(LossObjective.SAPO)
              .withLevel(ImportanceLevel.SEQUENCE)
              .withCorrection(new OffPolicyCorrection(Mode.TOKEN_TRUNCATE, 1.2)));
      out.add(
          base.withObjective(LossObjective.CISPO)
              .withCorrection(new OffPolicyCorrection(Mode.TOKEN_MASK, 1.3))
              .withMaskTruncated(true));
    }
    return out;
  }

  static FloatCase random(Random rnd, LossConfig cfg) {
    int b = 4;
    int t = 5;
    float[][] lp = new float[b][t];
    float[][] old = new float[b][t];
    float[][] ref = new float[b][t];
    float[][] beh = new float[b][t];
    float[][] mask = new float[b][t];
    float[] adv = new float[b];
    float[] truncated = new float[b];
    for (int i = 0; i < b; i++) {
      int len = 1 + rnd.nextInt(t);
      adv[i] = (float) (rnd.nextGaussian());
      truncated[i] = i == 1 ? 1 : 0;
      for (int j = 0; j < t; j++) {
        lp[i][j] = (float) (-0.1 - 2.5 * rnd.nextDouble());
        old[i][j] = lp[i][j] + (float) (0.6 * rnd.nextGaussian());
        ref[i][j] = lp[i][j] + (float) (0.3 * rnd.nextGaussian());
        beh[i][j] = old[i][j] + (float) (0.4 * rnd.nextGaussian());
        mask[i][j] = j < len ? 1 : 0;
      }
    }
    return new FloatCase(lp, old, ref, beh, adv, mask, truncated, cfg);
  }

  @Test
  void referenceGradientMatchesFiniteDifferences() {
    Random rnd = new Random(17);
    for (LossConfig cfg : configs()) {
      LossReference.Case c = random(rnd, cfg).reference();
      double[][] analytic = LossReference.grad(c);
      double[][] fd = LossReference.finiteDifferenceGrad(c, 1e-6);
      for (int i = 0; i < fd.length; i++) {
        for (int j = 0; j < fd[i].length; j++) {
          assertThat(Math.abs(analytic[i][j] - fd[i][j]))
              .as("grad[%d][%d] analytic %s vs fd %s (%s)", i, j, analytic[i][j], fd[i][j], cfg)
              .isLessThanOrEqualTo(1e-7 + 1e-6 * Math.abs(fd[i][j]));
        }
      }
    }
  }

  @Test
  void float32LossMatchesTheReferenceForEveryOption() {
    Random rnd = new Random(1717);
    for (LossConfig cfg : configs()) {
      for (int k = 0; k < 3; k++) {
        FloatCase c = random(rnd, cfg);
        assertMatchesReference(c, run(c));
      }
    }
  }

  @Test
  void metricsCountRegionsWeightsAndMasks() {
    Random rnd = new Random(5);
    FloatCase c =
        random(
            rnd,
            GRPO.withCorrection(new OffPolicyCorrection(Mode.TOKEN_MASK, 1.5))
                .withProbGapEps(0.05)
                .withDelta(1.6));
    Run r = run(c);
    LossReference.Case ref = c.reference();
    double[][] m = LossReference.active(ref);
    long low = 0;
    long high = 0;
    long delta = 0;
    long masked = 0;
    long active = 0;
    double wSum = 0;
    for (int i = 0; i < m.length; i++) {
      for (int j = 0; j < m[i].length; j++) {
        if (m[i][j] == 0) {
          continue;
        }
        active++;
        double ratio = Math.exp(ref.logp()[i][j] - ref.old()[i][j]);
        double a = ref.adv()[i];
        low += a < 0 && ratio < 0.8 ? 1 : 0;
        high += a > 0 && ratio > 1.2 ? 1 : 0;
        delta += a < 0 && ratio > 1.6 ? 1 : 0;
        double w = LossReference.weight(ref, m, i, j);
        wSum += w;
        masked += w == 0 || LossReference.keep(ref, ref.logp(), i, j) == 0 ? 1 : 0;
      }
    }
    assertThat(r.result().activeTokens()).isEqualTo(active);
    assertThat(r.result().clipLowCount()).isEqualTo(low);
    assertThat(r.result().clipHighCount()).isEqualTo(high);
    assertThat(r.result().clipDeltaCount()).isEqualTo(delta);
    assertThat(r.result().maskedCount()).isEqualTo(masked).isPositive();
    assertThat(r.result().isWeightSum()).isCloseTo(wSum, within(1e-5));
    assertThat(r.result().isWeightMin()).isEqualTo(0.0);
  }
}
