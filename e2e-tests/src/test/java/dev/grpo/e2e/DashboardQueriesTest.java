package dev.grpo.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Extracting dashboard PromQL and deriving the scrape config, without Prometheus. */
class DashboardQueriesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void everyTargetExprIncludingRowsIsFoundWithVariablesReplaced() throws Exception {
    String dashboard =
        """
        {"templating": {"list": [
           {"name": "job", "current": {"value": "trainer"}},
           {"name": "worker", "current": {"value": ["$__all"]}},
           {"name": "run", "current": {}}]},
         "panels": [
           {"title": "Rate", "targets": [
              {"refId": "A", "expr": "sum(rate(x_total{job=\\"$job\\"}[$__rate_interval]))"},
              {"refId": "B", "datasource": "loki"}]},
           {"title": "Row", "type": "row", "panels": [
              {"title": "Inner", "targets": [
                 {"refId": "A", "expr": "y{worker=~\\"${worker}\\", run=~\\"[[run]]\\"}[$__interval]"}]}]},
           {"title": "Text"}]}
        """;
    var queries = DashboardQueries.of("d.json", JSON.readTree(dashboard));
    assertThat(queries).hasSize(2);
    assertThat(queries.get(0).panel()).isEqualTo("Rate");
    assertThat(queries.get(0).query()).isEqualTo("sum(rate(x_total{job=\"trainer\"}[1m]))");
    assertThat(queries.get(1).panel()).isEqualTo("Inner");
    assertThat(queries.get(1).query()).isEqualTo("y{worker=~\".+\", run=~\".+\"}[15s]");
    assertThat(queries.get(1).toString()).contains("d.json", "Inner", "${worker}");
  }

  @Test
  void unknownVariablesAreLeftSoPrometheusRejectsThemVisibly() {
    assertThat(DashboardQueries.substitute("up{job=\"$nope\"}", Map.of()))
        .isEqualTo("up{job=\"$nope\"}");
  }

  @Test
  void theProjectsDashboardsHaveQueriesAndNoUnresolvedVariables() throws Exception {
    var dir = ServiceProcess.projectRoot().resolve("infra/compose/grafana/dashboards");
    try (var files = Files.list(dir)) {
      for (var f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
        var queries = DashboardQueries.of(f.getFileName().toString(), JSON.readTree(f.toFile()));
        assertThat(queries).as(f.toString()).isNotEmpty();
        assertThat(queries).allSatisfy(q -> assertThat(q.query()).doesNotContain("$", "[["));
      }
    }
  }

  @Test
  void scrapeConfigKeepsJobsAndPathsAndPointsThemAtTheGivenTargets() throws Exception {
    String yml =
        Files.readString(
            ServiceProcess.projectRoot().resolve("infra/compose/prometheus/prometheus.yml"));
    assertThat(ScrapeConfigs.metricsPathByJob(yml))
        .containsEntry("trainer", "/q/metrics")
        .containsEntry("rollout", "/q/metrics")
        .containsEntry("reward", "/q/metrics")
        .containsEntry("kafka-exporter", "/metrics");
    String config =
        ScrapeConfigs.pointedAt(yml, Map.of("trainer", "127.0.0.1:1", "reward", "127.0.0.1:2"), 1);
    assertThat(config)
        .contains("scrape_interval: 1s")
        .contains("  - job_name: trainer\n    metrics_path: /q/metrics\n")
        .contains("targets: [\"127.0.0.1:2\"]")
        .doesNotContain("rollout", "kafka-exporter", "dns_sd");
    assertThatThrownBy(() -> ScrapeConfigs.pointedAt(yml, Map.of("nope", "x:1"), 1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
