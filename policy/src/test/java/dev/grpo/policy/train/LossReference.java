package dev.grpo.policy.train;

/**
 * An independent double-precision reference of {@link GrpoLoss}: the loss written out token by
 * token, its analytic gradient d loss / d logp, and a central finite-difference gradient of the
 * loss to check the analytic one. Detached quantities (CISPO's weight, the probability-gap mask)
 * are computed from a separate "detached" logp, so that the finite difference differentiates only
 * what the gradient flows through.
 */
final class LossReference {

  /** One loss case in doubles; {@code ref}, {@code beh}, {@code truncated} may be null. */
  record Case(
      double[][] logp,
      double[][] old,
      double[][] ref,
      double[][] beh,
      double[] adv,
      double[][] mask,
      double[] truncated,
      LossConfig cfg,
      BatchTotals totals) {}

  private LossReference() {}

  static double[][] toDouble(float[][] a) {
    if (a == null) {
      return null;
    }
    double[][] d = new double[a.length][];
    for (int i = 0; i < a.length; i++) {
      d[i] = new double[a[i].length];
      for (int j = 0; j < a[i].length; j++) {
        d[i][j] = a[i][j];
      }
    }
    return d;
  }

  static double[] toDouble(float[] a) {
    if (a == null) {
      return null;
    }
    double[] d = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      d[i] = a[i];
    }
    return d;
  }

  /** The active mask: completion tokens less truncated rows when they are masked. */
  static double[][] active(Case c) {
    double[][] m = new double[c.mask().length][];
    for (int i = 0; i < m.length; i++) {
      m[i] = c.mask()[i].clone();
      if (c.cfg().maskTruncated() && c.truncated() != null && c.truncated()[i] != 0) {
        java.util.Arrays.fill(m[i], 0);
      }
    }
    return m;
  }

  /** The whole-batch totals {@link GrpoLoss#compute(LossInputs, LossConfig)} derives. */
  static BatchTotals totals(Case c) {
    if (c.totals() != null) {
      return c.totals();
    }
    long active = 0;
    for (double[] row : active(c)) {
      for (double x : row) {
        active += x > 0 ? 1 : 0;
      }
    }
    return new BatchTotals(c.logp().length, active, c.logp()[0].length, 1);
  }

  private static double scale(Case c, double[][] m, int i) {
    BatchTotals t = totals(c);
    double n = 0;
    long active = 0;
    for (int r = 0; r < m.length; r++) {
      for (double x : m[r]) {
        active += x > 0 ? 1 : 0;
        if (r == i) {
          n += x;
        }
      }
    }
    return switch (c.cfg().variant()) {
      case GRPO -> 1.0 / Math.max(n, 1) / t.sequences();
      case BNPO -> 1.0 / Math.max(active, 1) / t.microBatches();
      case DAPO -> 1.0 / Math.max(t.activeTokens(), 1);
      case DR_GRPO -> 1.0 / ((double) t.sequences() * t.maxCompletionLength());
    };
  }

  /** The ratio of token (i, j): per token, or the sequence's geometric mean (GSPO). */
  private static double ratio(Case c, double[][] lp, double[][] m, int i, int j) {
    if (c.cfg().level() == ImportanceLevel.TOKEN) {
      return Math.exp(lp[i][j] - c.old()[i][j]);
    }
    double sum = 0;
    double n = 0;
    for (int k = 0; k < lp[i].length; k++) {
      sum += m[i][k] * (lp[i][k] - c.old()[i][k]);
      n += m[i][k];
    }
    return Math.exp(sum / Math.max(n, 1));
  }

  /** The correction weight of token (i, j), 1 when off. */
  static double weight(Case c, double[][] m, int i, int j) {
    OffPolicyCorrection corr = c.cfg().correction();
    if (!corr.on() || c.beh() == null) {
      return 1;
    }
    double logW = 0;
    if (corr.mode().perSequence()) {
      for (int k = 0; k < m[i].length; k++) {
        logW += m[i][k] * (c.old()[i][k] - c.beh()[i][k]);
      }
    } else {
      logW = m[i][j] * (c.old()[i][j] - c.beh()[i][j]);
    }
    double w = Math.exp(logW);
    if (corr.mode().masks()) {
      return w <= corr.cap() ? w : 0;
    }
    return Math.min(w, corr.cap());
  }

  /** The probability-gap mask of token (i, j) from the detached logp, 1 when off. */
  static double keep(Case c, double[][] detached, int i, int j) {
    if (c.cfg().probGapEps() == 0) {
      return 1;
    }
    double b = c.beh() == null ? c.old()[i][j] : c.beh()[i][j];
    return Math.abs(Math.exp(detached[i][j]) - Math.exp(b)) <= c.cfg().probGapEps() ? 1 : 0;
  }

  private static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }

  private static double tau(LossConfig cfg, double a) {
    return a > 0 ? cfg.tauPos() : cfg.tauNeg();
  }

  /** The surrogate s(r) of token (i, j); CISPO's weight comes from the detached ratio. */
  private static double surrogate(LossConfig cfg, double r, double rDetached, double a, double lp) {
    return switch (cfg.objective()) {
      case CLIP -> {
        double u = cfg.delta() > 0 ? Math.min(r, cfg.delta()) : r;
        double clipped = Math.min(Math.max(r, 1 - cfg.epsLow()), 1 + cfg.epsHigh());
        yield Math.min(u * a, clipped * a);
      }
      case CISPO -> Math.min(rDetached, 1 + cfg.epsHigh()) * a * lp;
      case SAPO -> sigmoid(tau(cfg, a) * (r - 1)) * 4 / tau(cfg, a) * a;
    };
  }

  /** d s / d r for the clip and SAPO objectives (PyTorch's sub-gradients at the kinks). */
  private static double dSurrogate(LossConfig cfg, double r, double a) {
    return switch (cfg.objective()) {
      case CLIP -> {
        double lo = 1 - cfg.epsLow();
        double hi = 1 + cfg.epsHigh();
        double u = cfg.delta() > 0 ? Math.min(r, cfg.delta()) : r;
        double clipped = Math.min(Math.max(r, lo), hi);
        if (u * a <= clipped * a) {
          yield cfg.delta() > 0 && r > cfg.delta() ? 0 : a;
        }
        yield r > lo && r < hi ? a : 0;
      }
      case CISPO -> 0;
      case SAPO -> {
        double s = sigmoid(tau(cfg, a) * (r - 1));
        yield 4 * s * (1 - s) * a;
      }
    };
  }

  /** The loss at {@code lp}, with detached quantities taken at {@code detached}. */
  static double loss(Case c, double[][] lp, double[][] detached) {
    double[][] m = active(c);
    LossConfig cfg = c.cfg();
    double loss = 0;
    for (int i = 0; i < lp.length; i++) {
      double sc = scale(c, m, i);
      for (int j = 0; j < lp[i].length; j++) {
        if (m[i][j] == 0) {
          continue;
        }
        double r = ratio(c, lp, m, i, j);
        double rd = ratio(c, detached, m, i, j);
        double term =
            surrogate(cfg, r, rd, c.adv()[i], lp[i][j])
                * weight(c, m, i, j)
                * keep(c, detached, i, j);
        if (cfg.beta() > 0) {
          double d = c.ref()[i][j] - lp[i][j];
          term -= cfg.beta() * (Math.exp(d) - d - 1);
        }
        loss -= sc * term;
      }
    }
    return loss;
  }

  /** The loss at the case's logp. */
  static double loss(Case c) {
    return loss(c, c.logp(), c.logp());
  }

  /** The analytic d loss / d logp, 0 where the mask is 0. */
  static double[][] grad(Case c) {
    double[][] lp = c.logp();
    double[][] m = active(c);
    LossConfig cfg = c.cfg();
    double[][] g = new double[lp.length][lp[0].length];
    for (int i = 0; i < lp.length; i++) {
      double sc = scale(c, m, i);
      double n = 0;
      for (double x : m[i]) {
        n += x;
      }
      double seqCoefficient = 0;
      for (int j = 0; j < lp[i].length; j++) {
        if (m[i][j] == 0) {
          continue;
        }
        double a = c.adv()[i];
        double r = ratio(c, lp, m, i, j);
        double wk = weight(c, m, i, j) * keep(c, lp, i, j);
        if (cfg.objective() == LossObjective.CISPO) {
          g[i][j] -= sc * wk * Math.min(r, 1 + cfg.epsHigh()) * a;
        } else if (cfg.level() == ImportanceLevel.TOKEN) {
          g[i][j] -= sc * wk * dSurrogate(cfg, r, a) * r;
        } else {
          seqCoefficient += sc * wk * dSurrogate(cfg, r, a) * r / Math.max(n, 1);
        }
        if (cfg.beta() > 0) {
          g[i][j] += sc * cfg.beta() * (1 - Math.exp(c.ref()[i][j] - lp[i][j]));
        }
      }
      for (int j = 0; j < lp[i].length; j++) {
        g[i][j] -= seqCoefficient * m[i][j];
      }
    }
    return g;
  }

  /** Central finite differences of {@link #loss(Case, double[][], double[][])} in logp. */
  static double[][] finiteDifferenceGrad(Case c, double h) {
    double[][] lp = c.logp();
    double[][] g = new double[lp.length][lp[0].length];
    for (int i = 0; i < lp.length; i++) {
      for (int j = 0; j < lp[i].length; j++) {
        double[][] plus = copy(lp);
        double[][] minus = copy(lp);
        plus[i][j] += h;
        minus[i][j] -= h;
        g[i][j] = (loss(c, plus, lp) - loss(c, minus, lp)) / (2 * h);
      }
    }
    return g;
  }

  private static double[][] copy(double[][] a) {
    double[][] out = new double[a.length][];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i].clone();
    }
    return out;
  }
}
