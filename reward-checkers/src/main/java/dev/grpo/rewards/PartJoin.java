package dev.grpo.rewards;

import dev.grpo.contracts.CompletionScore;
import dev.grpo.contracts.RewardSpec;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Joins the scores of a spec's external parts (topic parts, HTTP scorers) into the built-in scores
 * of a group: the one rule of how a part counts, used by the Kafka Streams join, the HTTP path and
 * {@code rescore}. Per completion: {@code total = built-in total + Σ weight × part score}; each
 * part's unweighted score and reason join {@code components} and {@code reasons} under the part's
 * name; the maps keep the spec's order.
 */
public final class PartJoin {
  private PartJoin() {}

  /**
   * One part's scores for a group.
   *
   * @param scores one finite score per completion
   * @param reasons one reason per completion, or empty
   */
  public record PartScores(List<Double> scores, List<String> reasons) {
    public PartScores {
      scores = List.copyOf(scores);
      reasons = reasons == null ? List.of() : List.copyOf(reasons);
    }

    /** Every completion scores 0 for the part, with the same reason (a timeout, a bad answer). */
    public static PartScores zero(int completions, String reason) {
      return new PartScores(
          Collections.nCopies(completions, 0.0), Collections.nCopies(completions, reason));
    }

    String reason(int i) {
      return reasons.isEmpty() ? "scored by part service" : reasons.get(i);
    }
  }

  /**
   * Why a part cannot be used for a group of {@code completions} completions, or null when it can.
   * Reasons name the rule and the values, for dead letters.
   */
  public static String problem(PartScores part, int completions) {
    if (part.scores().size() != completions) {
      return "scores must hold one score per completion ("
          + completions
          + "), was "
          + part.scores().size();
    }
    for (int i = 0; i < part.scores().size(); i++) {
      Double s = part.scores().get(i);
      if (s == null || !Double.isFinite(s)) {
        return "scores[" + i + "] must be a finite number, was " + s;
      }
    }
    if (!part.reasons().isEmpty() && part.reasons().size() != completions) {
      return "reasons must be empty or hold one entry per completion ("
          + completions
          + "), was "
          + part.reasons().size();
    }
    return null;
  }

  /**
   * The scores of the group with every external part of {@code spec} joined in.
   *
   * @param builtIns the group's scores from {@link GroupScorer} (built-ins only)
   * @param parts by part name, one entry for every external part of the spec
   * @throws IllegalArgumentException when a part is missing or does not fit the group
   */
  public static List<CompletionScore> join(
      RewardSpec spec, List<CompletionScore> builtIns, Map<String, PartScores> parts) {
    int n = builtIns.size();
    for (var entry : spec.externalParts()) {
      var part = parts.get(entry.name());
      if (part == null) {
        throw new IllegalArgumentException("no scores for part '" + entry.name() + "'");
      }
      String problem = problem(part, n);
      if (problem != null) {
        throw new IllegalArgumentException("part '" + entry.name() + "': " + problem);
      }
    }
    return java.util.stream.IntStream.range(0, n)
        .mapToObj(i -> joinOne(spec, builtIns.get(i), parts, i))
        .toList();
  }

  private static CompletionScore joinOne(
      RewardSpec spec, CompletionScore builtIn, Map<String, PartScores> parts, int i) {
    var components = new LinkedHashMap<String, Double>();
    var reasons = new LinkedHashMap<String, String>();
    double total = builtIn.total();
    for (var entry : spec.checkers()) {
      String name = entry.name();
      if (entry.isExternal()) {
        var part = parts.get(name);
        double score = part.scores().get(i);
        components.put(name, score);
        reasons.put(name, part.reason(i));
        total += entry.weight() * score;
      } else {
        if (builtIn.components().containsKey(name)) {
          components.put(name, builtIn.components().get(name));
        }
        if (builtIn.reasons().containsKey(name)) {
          reasons.put(name, builtIn.reasons().get(name));
        }
      }
    }
    return new CompletionScore(builtIn.index(), total, components, reasons, builtIn.skipped());
  }
}
