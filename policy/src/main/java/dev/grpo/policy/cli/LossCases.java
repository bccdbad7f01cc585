package dev.grpo.policy.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grpo.policy.train.AdvantageScaling;
import dev.grpo.policy.train.BatchAdvantages;
import dev.grpo.policy.train.BatchTotals;
import dev.grpo.policy.train.GrpoLoss;
import dev.grpo.policy.train.ImportanceLevel;
import dev.grpo.policy.train.LossConfig;
import dev.grpo.policy.train.LossInputs;
import dev.grpo.policy.train.LossObjective;
import dev.grpo.policy.train.LossResult;
import dev.grpo.policy.train.LossVariant;
import dev.grpo.policy.train.OffPolicyCorrection;
import dev.grpo.policy.train.RewardAggregation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code loss} command: each case of a JSON array is run through the real float32 {@link
 * GrpoLoss} on the CPU, and its loss, gradient d loss / d logp and metrics come back as one JSON
 * object. policy/README.md documents every field, its default and its TRL / verl counterpart. A
 * case that breaks a rule is an {@link IllegalArgumentException} naming the case and the field.
 */
final class LossCases {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Every field a case may have; any other is an error (a typo would silently get a default). */
  static final Set<String> FIELDS =
      Set.of(
          "loss_type",
          "beta",
          "tis_cap",
          "correction",
          "scale",
          "eps_low",
          "eps_high",
          "G",
          "max_completion_length",
          "mask",
          "logp",
          "old_logp",
          "ref_logp",
          "behaviour_logp",
          "rewards",
          "reward_components",
          "reward_aggregation",
          "reward_weights",
          "importance_sampling_level",
          "tau_pos",
          "tau_neg",
          "delta",
          "prob_gap_eps",
          "mask_truncated",
          "truncated");

  private LossCases() {}

  /** The results of every case of {@code cases} (a JSON array). */
  static ArrayNode run(JsonNode cases) {
    if (cases == null || !cases.isArray()) {
      throw new IllegalArgumentException("input must be a JSON array of cases");
    }
    ArrayNode out = JSON.createArrayNode();
    try (NDManager nd = NDManager.newBaseManager("PyTorch")) {
      for (int n = 0; n < cases.size(); n++) {
        out.add(runCase(nd, new Case(n, cases.get(n))));
      }
    }
    return out;
  }

  /** One case's fields, read with errors that name the case and the field. */
  private record Case(int index, JsonNode node) {
    Case {
      if (!node.isObject()) {
        throw new IllegalArgumentException("case " + index + ": must be a JSON object");
      }
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!FIELDS.contains(f)) {
          throw new IllegalArgumentException(
              "case "
                  + index
                  + ": unknown field "
                  + f
                  + "; fields: "
                  + String.join(", ", sorted()));
        }
      }
    }

    private static List<String> sorted() {
      List<String> s = new ArrayList<>(FIELDS);
      s.sort(String.CASE_INSENSITIVE_ORDER);
      return s;
    }

    IllegalArgumentException bad(String field, String rule) {
      return new IllegalArgumentException("case " + index + ": " + field + " " + rule);
    }

    boolean has(String f) {
      return node.has(f) && !node.get(f).isNull();
    }

    double number(String f, double dflt) {
      if (!has(f)) {
        return dflt;
      }
      JsonNode v = node.get(f);
      if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
        throw bad(f, "must be a finite number, was " + v);
      }
      return v.asDouble();
    }

    int integer(String f, int dflt) {
      if (!has(f)) {
        return dflt;
      }
      JsonNode v = node.get(f);
      if (!v.canConvertToInt() || !v.isIntegralNumber()) {
        throw bad(f, "must be an integer, was " + v);
      }
      return v.asInt();
    }

    boolean flag(String f, boolean dflt) {
      if (!has(f)) {
        return dflt;
      }
      if (!node.get(f).isBoolean()) {
        throw bad(f, "must be true or false, was " + node.get(f));
      }
      return node.get(f).asBoolean();
    }

    String text(String f, String dflt) {
      if (!has(f)) {
        return dflt;
      }
      if (!node.get(f).isTextual()) {
        throw bad(f, "must be a string, was " + node.get(f));
      }
      return node.get(f).asText();
    }

    <T> T choice(String f, String dflt, java.util.function.Function<String, T> parse) {
      String v = text(f, dflt);
      try {
        return parse.apply(v);
      } catch (IllegalArgumentException e) {
        String msg = e.getMessage();
        int at = msg.indexOf(" must ");
        throw bad(f, at < 0 ? msg : msg.substring(at + 1));
      }
    }

    double[] vector(String f, int length) {
      JsonNode a = node.get(f);
      if (a == null || !a.isArray()) {
        throw bad(
            f, "must be an array of " + (length < 0 ? "" : length + " ") + "numbers, was " + a);
      }
      if (length >= 0 && a.size() != length) {
        throw bad(f, "must have " + length + " values (one per completion), had " + a.size());
      }
      double[] v = new double[a.size()];
      for (int i = 0; i < v.length; i++) {
        if (!a.get(i).isNumber() || !Double.isFinite(a.get(i).asDouble())) {
          throw bad(f + "[" + i + "]", "must be a finite number, was " + a.get(i));
        }
        v[i] = a.get(i).asDouble();
      }
      return v;
    }

    float[][] matrix(String f, int rows, int cols) {
      JsonNode a = node.get(f);
      if (a == null || !a.isArray() || a.size() == 0) {
        throw bad(f, "must be a non-empty array of arrays [B][T], was " + a);
      }
      int b = rows < 0 ? a.size() : rows;
      if (a.size() != b) {
        throw bad(f, "must have " + b + " rows (B, as mask), had " + a.size());
      }
      float[][] m = new float[b][];
      for (int i = 0; i < b; i++) {
        JsonNode row = a.get(i);
        int t = cols < 0 ? (row.isArray() ? row.size() : -1) : cols;
        if (!row.isArray() || row.size() != t || t == 0) {
          throw bad(
              f + "[" + i + "]",
              "must be an array of " + (t <= 0 ? "T > 0" : t) + " numbers, was " + row);
        }
        cols = t;
        m[i] = new float[t];
        for (int j = 0; j < t; j++) {
          double x = row.get(j).asDouble();
          if (!row.get(j).isNumber() || !Float.isFinite((float) x)) {
            throw bad(
                f + "[" + i + "][" + j + "]", "must be a finite float32 number, was " + row.get(j));
          }
          m[i][j] = (float) x;
        }
      }
      return m;
    }
  }

  /** The loss type of TRL: an aggregation and an objective. */
  private record LossType(LossVariant variant, LossObjective objective) {
    static LossType parse(String name) {
      String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
      return switch (n) {
        case "cispo" -> new LossType(LossVariant.DAPO, LossObjective.CISPO);
        case "sapo" -> new LossType(LossVariant.GRPO, LossObjective.SAPO);
        default -> {
          try {
            yield new LossType(LossVariant.parse(n), LossObjective.CLIP);
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                "loss_type must be one of grpo, bnpo, dapo, dr_grpo, cispo, sapo, was '"
                    + name
                    + "'");
          }
        }
      };
    }
  }

  private static ObjectNode runCase(NDManager nd, Case c) {
    float[][] mask = c.matrix("mask", -1, -1);
    int b = mask.length;
    int t = mask[0].length;
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < t; j++) {
        if (mask[i][j] != 0 && mask[i][j] != 1) {
          throw c.bad("mask[" + i + "][" + j + "]", "must be 0 or 1, was " + mask[i][j]);
        }
      }
    }
    float[][] logp = c.matrix("logp", b, t);
    float[][] old = c.has("old_logp") ? c.matrix("old_logp", b, t) : logp;
    float[][] ref = c.has("ref_logp") ? c.matrix("ref_logp", b, t) : null;
    float[][] beh = c.has("behaviour_logp") ? c.matrix("behaviour_logp", b, t) : null;
    LossConfig cfg = config(c);
    if (cfg.beta() > 0 && ref == null) {
      throw c.bad("ref_logp", "must be given when beta > 0, beta was " + cfg.beta());
    }
    int g = c.integer("G", b);
    if (g < 2 || b % g != 0) {
      throw c.bad("G", "must be >= 2 and divide B = " + b + " (groups are consecutive), was " + g);
    }
    int maxLen = c.integer("max_completion_length", t);
    if (maxLen < 1) {
      throw c.bad("max_completion_length", "must be >= 1, was " + maxLen);
    }
    double[] adv = advantages(c, cfg, b, g);
    float[] truncated = truncated(c, mask, b, maxLen);

    try (NDManager m = nd.newSubManager()) {
      NDArray lp = array(m, logp);
      lp.setRequiresGradient(true);
      float[] advF = new float[b];
      for (int i = 0; i < b; i++) {
        advF[i] = (float) adv[i];
      }
      LossInputs in =
          new LossInputs(
              lp,
              array(m, old),
              array(m, ref),
              array(m, beh),
              m.create(advF),
              array(m, mask),
              m.create(truncated));
      long active = 0;
      for (int i = 0; i < b; i++) {
        if (!(cfg.maskTruncated() && truncated[i] != 0)) {
          for (float x : mask[i]) {
            active += (long) x;
          }
        }
      }
      LossResult res;
      float[] grad;
      try (GradientCollector gc = m.getEngine().newGradientCollector()) {
        res = GrpoLoss.compute(in, cfg, new BatchTotals(b, active, maxLen, 1));
        gc.backward(res.loss());
        grad = lp.getGradient().toFloatArray();
      }
      return result(res, grad, adv, b, t);
    }
  }

  private static LossConfig config(Case c) {
    LossType type = c.choice("loss_type", "grpo", LossType::parse);
    double epsLow = c.number("eps_low", 0.2);
    double epsHigh = c.number("eps_high", epsLow);
    AdvantageScaling scale =
        c.choice(
            "scale",
            AdvantageScaling.defaultFor(type.variant()).name().toLowerCase(Locale.ROOT),
            AdvantageScaling::parse);
    RewardAggregation aggregation =
        c.choice("reward_aggregation", "sum_then_normalize", RewardAggregation::parse);
    ImportanceLevel level = c.choice("importance_sampling_level", "token", ImportanceLevel::parse);
    OffPolicyCorrection.Mode mode =
        c.choice(
            "correction",
            c.has("tis_cap") ? "token_truncate" : "none",
            OffPolicyCorrection.Mode::parse);
    if (mode == OffPolicyCorrection.Mode.NONE && c.has("tis_cap")) {
      throw c.bad(
          "tis_cap", "must be null when correction is none (tis_cap is the correction's cap)");
    }
    double cap = c.number("tis_cap", OffPolicyCorrection.DEFAULT_CAP);
    try {
      return new LossConfig(
          type.variant(),
          type.objective(),
          level,
          epsLow,
          epsHigh,
          c.number("beta", 0.0),
          c.number("delta", 0.0),
          c.number("tau_pos", LossConfig.DEFAULT_TAU_POS),
          c.number("tau_neg", LossConfig.DEFAULT_TAU_NEG),
          new OffPolicyCorrection(mode, cap),
          c.number("prob_gap_eps", 0.0),
          c.flag("mask_truncated", false),
          scale,
          aggregation);
    } catch (IllegalArgumentException e) {
      throw c.bad(field(e.getMessage()), rule(e.getMessage()));
    }
  }

  /** The case field a LossConfig message names ({@code epsLow must ...} is eps_low). */
  private static String field(String message) {
    String name = message.substring(0, Math.max(0, message.indexOf(' ')));
    return switch (name) {
      case "epsLow" -> "eps_low";
      case "epsHigh" -> "eps_high";
      case "tauPos" -> "tau_pos";
      case "tauNeg" -> "tau_neg";
      case "probGapEps" -> "prob_gap_eps";
      case "correction" -> "tis_cap";
      default -> name;
    };
  }

  private static String rule(String message) {
    int at = message.indexOf(' ');
    String rest = at < 0 ? message : message.substring(at + 1);
    return rest.startsWith("cap ") ? rest.substring(4) : rest;
  }

  private static double[] advantages(Case c, LossConfig cfg, int b, int g) {
    double[][] comps = null;
    if (c.has("reward_components")) {
      JsonNode a = c.node().get("reward_components");
      if (!a.isArray() || a.size() != b) {
        throw c.bad("reward_components", "must be an array of " + b + " rows [B][K], was " + a);
      }
      comps = new double[b][];
      for (int i = 0; i < b; i++) {
        JsonNode row = a.get(i);
        if (!row.isArray() || row.size() == 0 || (i > 0 && row.size() != comps[0].length)) {
          throw c.bad(
              "reward_components[" + i + "]",
              "must be an array of K > 0 numbers, the same K for every row, was " + row);
        }
        comps[i] = new double[row.size()];
        for (int k = 0; k < row.size(); k++) {
          if (!row.get(k).isNumber() || !Double.isFinite(row.get(k).asDouble())) {
            throw c.bad(
                "reward_components[" + i + "][" + k + "]",
                "must be a finite number, was " + row.get(k));
          }
          comps[i][k] = row.get(k).asDouble();
        }
      }
    }
    double[] rewards;
    if (c.has("rewards")) {
      rewards = c.vector("rewards", b);
    } else if (comps != null) {
      rewards = Arrays.stream(comps).mapToDouble(r -> Arrays.stream(r).sum()).toArray();
    } else {
      throw c.bad("rewards", "must be an array of " + b + " numbers (or give reward_components)");
    }
    if (cfg.rewardAggregation() == RewardAggregation.NORMALIZE_THEN_SUM && comps == null) {
      throw c.bad("reward_components", "must be given for reward_aggregation normalize_then_sum");
    }
    double[] weights = null;
    if (c.has("reward_weights")) {
      if (comps == null) {
        throw c.bad("reward_weights", "needs reward_components");
      }
      weights = c.vector("reward_weights", comps[0].length);
    }
    List<double[]> groupRewards = new ArrayList<>();
    List<double[][]> groupComps = new ArrayList<>();
    List<double[]> groupWeights = new ArrayList<>();
    for (int from = 0; from < b; from += g) {
      groupRewards.add(Arrays.copyOfRange(rewards, from, from + g));
      groupComps.add(comps == null ? null : Arrays.copyOfRange(comps, from, from + g));
      groupWeights.add(weights);
    }
    List<double[]> adv =
        BatchAdvantages.compute(
            groupRewards, groupComps, groupWeights, cfg.scale(), cfg.rewardAggregation());
    return adv.stream().flatMapToDouble(Arrays::stream).toArray();
  }

  private static float[] truncated(Case c, float[][] mask, int b, int maxLen) {
    float[] out = new float[b];
    if (c.has("truncated")) {
      double[] v = c.vector("truncated", b);
      for (int i = 0; i < b; i++) {
        if (v[i] != 0 && v[i] != 1) {
          throw c.bad("truncated[" + i + "]", "must be 0 or 1, was " + v[i]);
        }
        out[i] = (float) v[i];
      }
      return out;
    }
    for (int i = 0; i < b; i++) {
      float n = 0;
      for (float x : mask[i]) {
        n += x;
      }
      out[i] = n >= maxLen ? 1 : 0;
    }
    return out;
  }

  private static NDArray array(NDManager m, float[][] a) {
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

  private static ObjectNode result(LossResult r, float[] grad, double[] adv, int b, int t) {
    ObjectNode o = JSON.createObjectNode();
    o.put("loss", r.lossValue());
    ArrayNode g = o.putArray("grad");
    for (int i = 0; i < b; i++) {
      ArrayNode row = g.addArray();
      for (int j = 0; j < t; j++) {
        row.add(grad[i * t + j]);
      }
    }
    double active = r.activeTokens();
    o.put("active_tokens", r.activeTokens());
    o.put("clip_low", fraction(r.clipLowCount(), active));
    o.put("clip_high", fraction(r.clipHighCount(), active));
    o.put("clip_region", fraction(r.clipLowCount() + r.clipHighCount(), active));
    o.put("clip_delta", fraction(r.clipDeltaCount(), active));
    o.put("masked_fraction", fraction(r.maskedCount(), active));
    o.put("truncated_tokens", r.truncatedTokens());
    o.put("kl_mean", active == 0 ? 0 : r.klSum() / active);
    if (active == 0) {
      o.putNull("is_weight_mean");
      o.putNull("is_weight_min");
      o.putNull("is_weight_max");
    } else {
      o.put("is_weight_mean", r.isWeightSum() / active);
      o.put("is_weight_min", r.isWeightMin());
      o.put("is_weight_max", r.isWeightMax());
    }
    ArrayNode a = o.putArray("advantages");
    for (double x : adv) {
      a.add(x);
    }
    return o;
  }

  private static double fraction(long count, double active) {
    return active == 0 ? 0 : count / active;
  }
}
