package dev.grpo.e2e;

import dev.grpo.contracts.CompletionScore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * What {@code ./grpo rescore} reports for a run scored again with another spec: per checker the
 * reward distribution under the old and the new spec, how often the two specs agree on the sign of
 * a completion's GRPO advantage ({@code R - mean R} of its group; the std only scales it), and the
 * groups in which some completion's advantage changes sign. Pure arithmetic; the Kafka side is
 * {@link RescoreMain}.
 */
public final class RescoreReport {
  /** One group scored both ways. */
  public record Group(String groupId, List<CompletionScore> old, List<CompletionScore> rescored) {}

  /** Mean, std (unbiased), min and max of some values; count 0 when there are none. */
  public record Distribution(int count, double mean, double std, double min, double max) {
    static Distribution of(List<Double> values) {
      int n = values.size();
      if (n == 0) {
        return new Distribution(0, 0, 0, 0, 0);
      }
      double sum = 0;
      double min = Double.POSITIVE_INFINITY;
      double max = Double.NEGATIVE_INFINITY;
      for (double v : values) {
        sum += v;
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      double mean = sum / n;
      double sq = 0;
      for (double v : values) {
        sq += (v - mean) * (v - mean);
      }
      return new Distribution(n, mean, n > 1 ? Math.sqrt(sq / (n - 1)) : 0, min, max);
    }

    String text() {
      return count == 0
          ? "-"
          : String.format(Locale.ROOT, "%.4f ± %.4f [%.3f, %.3f] n=%d", mean, std, min, max, count);
    }
  }

  private final List<Group> groups;

  public RescoreReport(List<Group> groups) {
    this.groups = List.copyOf(groups);
  }

  /** Per checker name (and {@code total}): the distribution under the old and the new spec. */
  public Map<String, Distribution[]> distributions() {
    var names = new TreeSet<String>();
    for (var g : groups) {
      g.old().forEach(s -> names.addAll(s.components().keySet()));
      g.rescored().forEach(s -> names.addAll(s.components().keySet()));
    }
    var out = new LinkedHashMap<String, Distribution[]>();
    out.put("total", new Distribution[] {totals(true), totals(false)});
    for (String name : names) {
      var old = new ArrayList<Double>();
      var now = new ArrayList<Double>();
      for (var g : groups) {
        g.old().forEach(s -> add(old, s.components().get(name)));
        g.rescored().forEach(s -> add(now, s.components().get(name)));
      }
      out.put(name, new Distribution[] {Distribution.of(old), Distribution.of(now)});
    }
    return out;
  }

  /** Fraction of completions whose advantage sign (-, 0, +) is the same under both specs. */
  public double advantageSignAgreement() {
    int same = 0;
    int all = 0;
    for (var g : groups) {
      int[] a = signs(g.old());
      int[] b = signs(g.rescored());
      for (int i = 0; i < a.length; i++) {
        all++;
        same += a[i] == b[i] ? 1 : 0;
      }
    }
    return all == 0 ? 1 : (double) same / all;
  }

  /** Groups in which at least one completion's advantage changes from + to - or back. */
  public List<String> signFlips() {
    var out = new ArrayList<String>();
    for (var g : groups) {
      int[] a = signs(g.old());
      int[] b = signs(g.rescored());
      for (int i = 0; i < a.length; i++) {
        if (a[i] * b[i] < 0) {
          out.add(g.groupId());
          break;
        }
      }
    }
    return out;
  }

  /** The report as Markdown. */
  public String markdown(String runId, String specJson) {
    var sb = new StringBuilder();
    sb.append("# Rescore of run ").append(runId).append("\n\n");
    sb.append("Groups: ")
        .append(groups.size())
        .append("  \nNew spec: `")
        .append(specJson)
        .append("`\n\n");
    sb.append("| checker | old | new |\n| --- | --- | --- |\n");
    distributions()
        .forEach(
            (name, d) ->
                sb.append("| ")
                    .append(name)
                    .append(" | ")
                    .append(d[0].text())
                    .append(" | ")
                    .append(d[1].text())
                    .append(" |\n"));
    var flips = signFlips();
    sb.append(
        String.format(
            Locale.ROOT,
            "%nAdvantage sign agreement: %.2f %% of completions.%n%nGroups whose advantage sign"
                + " flips for some completion: %d%n",
            100 * advantageSignAgreement(),
            flips.size()));
    flips.stream().limit(50).forEach(id -> sb.append("- ").append(id).append('\n'));
    if (flips.size() > 50) {
      sb.append("- ... and ").append(flips.size() - 50).append(" more\n");
    }
    return sb.toString();
  }

  private Distribution totals(boolean old) {
    var values = new ArrayList<Double>();
    for (var g : groups) {
      (old ? g.old() : g.rescored()).forEach(s -> values.add(s.total()));
    }
    return Distribution.of(values);
  }

  private static void add(List<Double> to, Double v) {
    if (v != null) {
      to.add(v);
    }
  }

  private static int[] signs(List<CompletionScore> scores) {
    double mean = scores.stream().mapToDouble(CompletionScore::total).average().orElse(0);
    int[] out = new int[scores.size()];
    for (int i = 0; i < out.length; i++) {
      double d = scores.get(i).total() - mean;
      out[i] = Math.abs(d) < 1e-9 ? 0 : (d > 0 ? 1 : -1);
    }
    return out;
  }
}
