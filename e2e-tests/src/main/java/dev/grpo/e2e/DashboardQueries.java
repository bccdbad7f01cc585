package dev.grpo.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PromQL of Grafana dashboards, ready to send to Prometheus: every panel target's {@code expr}
 * (rows' nested panels included), with Grafana's variables ({@code $__rate_interval}, {@code
 * $__interval}, {@code $__range}, dashboard variables as {@code $name}, {@code ${name}} or {@code
 * [[name]]}) replaced by fixed values.
 */
public final class DashboardQueries {
  /** Grafana's built-in interval variables, set for a scrape interval of about a second. */
  public static final Map<String, String> BUILT_INS =
      Map.of(
          "__rate_interval", "1m",
          "__interval", "15s",
          "__interval_ms", "15000",
          "__range", "1m",
          "__range_s", "60",
          "__range_ms", "60000");

  /** A dashboard variable without a current value matches any label value. */
  static final String ANY = ".+";

  private static final Pattern VARIABLE =
      Pattern.compile("\\$\\{(\\w+)(?::\\w+)?}|\\[\\[(\\w+)]]|\\$(\\w+)");

  private DashboardQueries() {}

  /** One panel target: where it is, what Grafana would send, what Prometheus gets. */
  public record PanelQuery(
      String dashboard, String panel, String refId, String expr, String query) {
    @Override
    public String toString() {
      return dashboard + " / \"" + panel + "\" [" + refId + "]: " + expr;
    }
  }

  /** Every target with an {@code expr} in the dashboard, in panel order. */
  public static List<PanelQuery> of(String dashboardName, JsonNode dashboard) {
    Map<String, String> values = new LinkedHashMap<>(BUILT_INS);
    for (JsonNode v : dashboard.path("templating").path("list")) {
      JsonNode current = v.path("current").path("value");
      String value = current.isArray() ? String.join("|", texts(current)) : current.asText("");
      values.put(v.path("name").asText(), value.isEmpty() || value.equals("$__all") ? ANY : value);
    }
    List<PanelQuery> out = new ArrayList<>();
    collect(dashboardName, dashboard.path("panels"), values, out);
    return out;
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static void collect(
      String dashboardName, JsonNode panels, Map<String, String> values, List<PanelQuery> out) {
    for (JsonNode p : panels) {
      for (JsonNode t : p.path("targets")) {
        String expr = t.path("expr").asText("");
        if (!expr.isBlank()) {
          out.add(
              new PanelQuery(
                  dashboardName,
                  p.path("title").asText(""),
                  t.path("refId").asText(""),
                  expr,
                  substitute(expr, values)));
        }
      }
      collect(dashboardName, p.path("panels"), values, out);
    }
  }

  /** The expression with every known variable replaced; unknown ones are left as they are. */
  public static String substitute(String expr, Map<String, String> values) {
    Matcher m = VARIABLE.matcher(expr);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String name = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
      String value = values.get(name);
      m.appendReplacement(sb, Matcher.quoteReplacement(value != null ? value : m.group()));
    }
    m.appendTail(sb);
    return sb.toString();
  }
}
