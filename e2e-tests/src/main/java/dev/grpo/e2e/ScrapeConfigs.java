package dev.grpo.e2e;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Prometheus configuration derived from the project's {@code infra/compose/prometheus/
 * prometheus.yml}: the same job names and metrics paths, each job's service discovery replaced by a
 * static target (a service started on 127.0.0.1), and a short scrape interval. Jobs without a
 * target are left out.
 */
public final class ScrapeConfigs {
  private static final Pattern JOB = Pattern.compile("^\\s*-\\s*job_name:\\s*(\\S+)\\s*$");
  private static final Pattern PATH = Pattern.compile("^\\s*metrics_path:\\s*(\\S+)\\s*$");

  private ScrapeConfigs() {}

  /**
   * Each job of the file with its metrics path ({@code /metrics}, Prometheus's default, if none).
   */
  public static Map<String, String> metricsPathByJob(String prometheusYml) {
    Map<String, String> out = new LinkedHashMap<>();
    String job = null;
    for (String line : prometheusYml.split("\n")) {
      Matcher j = JOB.matcher(line);
      Matcher p = PATH.matcher(line);
      if (j.matches()) {
        job = j.group(1);
        out.put(job, "/metrics");
      } else if (job != null && p.matches()) {
        out.put(job, p.group(1));
      }
    }
    return out;
  }

  /**
   * The configuration for Prometheus, scraping {@code targetByJob} ({@code host:port}) every {@code
   * intervalSeconds}.
   *
   * @throws IllegalArgumentException if a target names a job the file does not have
   */
  public static String pointedAt(
      String prometheusYml, Map<String, String> targetByJob, int intervalSeconds) {
    Map<String, String> paths = metricsPathByJob(prometheusYml);
    for (String job : targetByJob.keySet()) {
      if (!paths.containsKey(job)) {
        throw new IllegalArgumentException("no job " + job + " in the scrape config: " + paths);
      }
    }
    String interval = intervalSeconds + "s";
    StringBuilder sb = new StringBuilder();
    sb.append("global:\n")
        .append("  scrape_interval: ")
        .append(interval)
        .append("\n  evaluation_interval: ")
        .append(interval)
        .append("\nscrape_configs:\n");
    paths.forEach(
        (job, path) -> {
          String target = targetByJob.get(job);
          if (target != null) {
            sb.append("  - job_name: ")
                .append(job)
                .append("\n    metrics_path: ")
                .append(path)
                .append("\n    static_configs:\n      - targets: [\"")
                .append(target)
                .append("\"]\n");
          }
        });
    return sb.toString();
  }
}
