package dev.grpo.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.Color;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Writes a run's report folder {@code <root>/<runId>/}:
 *
 * <ul>
 *   <li>{@value #CURVES_PNG}: train reward mean per step and held-out accuracy per evaluation;
 *   <li>{@value #METRICS_JSON}: the final metrics (also the benchmark's source);
 *   <li>{@value #REPORT_MD}: the same for people, with the evaluation table and the final
 *       checkpoint;
 *   <li>{@value #CHECKPOINT_TXT}: the path of the final checkpoint directory (Hugging Face layout);
 *   <li>{@code raw/}: the trainer's answers the report was made from.
 * </ul>
 */
public final class ReportWriter {
  public static final String CURVES_PNG = "curves.png";
  public static final String METRICS_JSON = "metrics.json";
  public static final String REPORT_MD = "report.md";
  public static final String CHECKPOINT_TXT = "final-checkpoint.txt";

  /**
   * Steps averaged for the "first" and "last" train reward, so one noisy step does not decide them.
   */
  static final int REWARD_WINDOW_STEPS = 5;

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private ReportWriter() {}

  /**
   * Writes the folder and returns it.
   *
   * @param evalChecker checker reported as eval accuracy (falls back to 'reward' when not
   *     evaluated)
   * @param targetAccuracy accuracy whose first crossing is reported as time-to-target
   * @param note a line for the report, e.g. why the run ended early; may be null
   */
  public static Path write(
      RunSnapshot s, String evalChecker, double targetAccuracy, Path root, String note)
      throws IOException {
    Path dir = root.resolve(s.runId());
    Files.createDirectories(dir.resolve("raw"));
    JSON.writeValue(dir.resolve("raw/run.json").toFile(), s.run());
    JSON.writeValue(dir.resolve("raw/steps.json").toFile(), s.steps());
    JSON.writeValue(dir.resolve("raw/evals.json").toFile(), s.evals());
    JSON.writeValue(dir.resolve("raw/versions.json").toFile(), s.versions());

    String checker = s.evalChecker(evalChecker);
    ObjectNode m = metrics(s, checker, targetAccuracy, note);
    JSON.writeValue(dir.resolve(METRICS_JSON).toFile(), m);

    List<CurvePlot.Series> series = new ArrayList<>();
    series.add(
        new CurvePlot.Series("train reward mean", new Color(31, 119, 180), s.rewardCurve(), false));
    series.add(
        new CurvePlot.Series(
            "held-out " + checker, new Color(230, 120, 20), s.evalCurve(checker), true));
    CurvePlot.writePng(
        dir.resolve(CURVES_PNG),
        "GRPO run " + s.runId(),
        String.format(
            Locale.ROOT,
            "%s | seed %d | maxStaleness %d | %d/%d steps | %s",
            s.run().path("name").asText(),
            s.seed(),
            s.maxStaleness(),
            s.completedSteps(),
            s.totalSteps(),
            s.status()),
        series,
        targetAccuracy);

    Optional<Path> checkpoint = finalCheckpoint(s);
    Files.writeString(
        dir.resolve(CHECKPOINT_TXT), checkpoint.map(p -> p + "\n").orElse("(no checkpoint)\n"));
    Files.writeString(dir.resolve(REPORT_MD), markdown(s, checker, m, checkpoint));
    return dir;
  }

  /** The latest policy version's checkpoint directory, when it is a local file URI. */
  public static Optional<Path> finalCheckpoint(RunSnapshot s) {
    return s.latestVersion()
        .map(v -> v.path("checkpointUri").asText())
        .filter(u -> u.startsWith("file:"))
        .map(u -> Path.of(URI.create(u)));
  }

  static ObjectNode metrics(RunSnapshot s, String checker, double target, String note) {
    ObjectNode m = JSON.createObjectNode();
    m.put("runId", s.runId());
    m.put("name", s.run().path("name").asText());
    m.put("status", s.status());
    if (s.run().hasNonNull("error")) {
      m.put("error", s.run().path("error").asText());
    }
    if (note != null) {
      m.put("note", note);
    }
    m.put("seed", s.seed());
    m.put("maxStaleness", s.maxStaleness());
    m.put("completedSteps", s.completedSteps());
    m.put("steps", s.totalSteps());
    m.put("trainingSeconds", round(s.trainingSeconds()));
    m.put("stepsPerSecond", round(s.stepsPerSecond()));
    m.put("tokens", s.totalTokens());
    m.put(
        "tokensPerSecond",
        s.trainingSeconds() > 0 ? round(s.totalTokens() / s.trainingSeconds()) : 0);
    m.put("rewardMeanFirstSteps", round(s.meanReward(true, REWARD_WINDOW_STEPS)));
    m.put("rewardMeanLastSteps", round(s.meanReward(false, REWARD_WINDOW_STEPS)));
    m.put("rewardWindowSteps", REWARD_WINDOW_STEPS);
    m.put("evalChecker", checker);
    var eval = s.evalCurve(checker);
    if (!eval.isEmpty()) {
      m.put("evalAccuracyFirst", round(eval.get(0).value()));
      m.put("evalAccuracyFirstStep", eval.get(0).step());
      m.put("evalAccuracyFinal", round(eval.get(eval.size() - 1).value()));
      m.put("evalAccuracyFinalStep", eval.get(eval.size() - 1).step());
      m.put(
          "evalAccuracyBest",
          round(eval.stream().mapToDouble(RunSnapshot.Point::value).max().orElse(0)));
      m.put("evalExamples", s.evals().path(0).path("examples").asInt());
    }
    m.put("targetAccuracy", target);
    s.firstReaching(checker, target)
        .ifPresentOrElse(
            hit -> {
              m.put("targetReachedAtStep", hit.step());
              m.put("targetReachedAfterSeconds", round(hit.seconds()));
            },
            () -> m.putNull("targetReachedAtStep"));
    var time = s.stepTime();
    ObjectNode t = m.putObject("stepTime");
    t.put("waitMillis", time.waitMillis());
    t.put("computeMillis", time.computeMillis());
    t.put("checkpointMillis", time.checkpointMillis());
    t.put("waitShare", round(time.waitShare()));
    m.set("groups", s.groups());
    s.latestVersion()
        .ifPresent(
            v -> {
              ObjectNode c = m.putObject("finalCheckpoint");
              c.put("version", v.path("version").asLong());
              c.put("step", v.path("step").asLong());
              c.put("uri", v.path("checkpointUri").asText());
              c.put("sha256", v.path("sha256").asText());
              finalCheckpoint(s)
                  .ifPresent(
                      p -> {
                        c.put("path", p.toString());
                        var files = c.putArray("files");
                        if (Files.isDirectory(p)) {
                          try (Stream<Path> list = Files.list(p)) {
                            list.map(f -> f.getFileName().toString()).sorted().forEach(files::add);
                          } catch (IOException e) {
                            c.put("filesError", e.toString());
                          }
                        }
                      });
            });
    return m;
  }

  private static String markdown(
      RunSnapshot s, String checker, ObjectNode m, Optional<Path> checkpoint) {
    StringBuilder b = new StringBuilder();
    b.append("# GRPO run ").append(s.runId()).append("\n\n");
    b.append("![reward and eval accuracy](").append(CURVES_PNG).append(")\n\n");
    b.append("| | |\n| --- | --- |\n");
    row(b, "status", s.status() + (m.has("error") ? " (" + m.path("error").asText() + ")" : ""));
    if (m.has("note")) {
      row(b, "note", m.path("note").asText());
    }
    row(b, "seed", Long.toString(s.seed()));
    row(b, "maxStaleness", Integer.toString(s.maxStaleness()));
    row(b, "steps", s.completedSteps() + " of " + s.totalSteps());
    row(
        b,
        "training wall time",
        ProgressLine.clock(s.trainingSeconds())
            + " ("
            + m.path("stepsPerSecond").asDouble()
            + " steps/s, "
            + m.path("tokensPerSecond").asDouble()
            + " tokens/s)");
    row(
        b,
        "train reward mean, first / last " + REWARD_WINDOW_STEPS + " steps",
        m.path("rewardMeanFirstSteps").asDouble()
            + " / "
            + m.path("rewardMeanLastSteps").asDouble());
    if (m.has("evalAccuracyFinal")) {
      row(
          b,
          "held-out " + checker + ", first / final / best",
          m.path("evalAccuracyFirst").asDouble()
              + " (step "
              + m.path("evalAccuracyFirstStep").asInt()
              + ") / "
              + m.path("evalAccuracyFinal").asDouble()
              + " (step "
              + m.path("evalAccuracyFinalStep").asInt()
              + ") / "
              + m.path("evalAccuracyBest").asDouble()
              + ", on "
              + m.path("evalExamples").asInt()
              + " held-out prompts");
    }
    row(
        b,
        "target " + m.path("targetAccuracy").asDouble(),
        m.path("targetReachedAtStep").isNull()
            ? "not reached"
            : "reached at step "
                + m.path("targetReachedAtStep").asInt()
                + " after "
                + ProgressLine.clock(m.path("targetReachedAfterSeconds").asDouble()));
    JsonNode t = m.path("stepTime");
    row(
        b,
        "step time",
        String.format(
            Locale.ROOT,
            "%.0f%% waiting on the pipeline (%d ms), compute %d ms, checkpoints %d ms",
            100 * t.path("waitShare").asDouble(),
            t.path("waitMillis").asLong(),
            t.path("computeMillis").asLong(),
            t.path("checkpointMillis").asLong()));
    row(b, "groups", s.groups().toString());
    row(
        b,
        "final checkpoint (Hugging Face layout)",
        checkpoint.map(p -> "`" + p + "`").orElse("none"));
    b.append(
        "\n"
            + "## Held-out evaluations\n\n"
            + "| step | seconds | checker | accuracy | examples |\n"
            + "| --- | --- | --- | --- | --- |\n");
    for (JsonNode e : s.evals()) {
      b.append(
          String.format(
              Locale.ROOT,
              "| %d | %.1f | %s | %.4f | %d |%n",
              e.path("step").asInt(),
              pointSeconds(s, e),
              e.path("checker").asText(),
              e.path("accuracy").asDouble(),
              e.path("examples").asInt()));
    }
    b.append(
        "\n"
            + "Raw trainer answers are in `raw/`; numbers above are computed from them by"
            + " `dev.grpo.e2e.ReportWriter`.\n");
    return b.toString();
  }

  private static double pointSeconds(RunSnapshot s, JsonNode row) {
    var start = s.createdAt();
    var at = RunSnapshot.instant(row.path("createdAt"));
    return start == null || at == null
        ? 0
        : java.time.Duration.between(start, at).toMillis() / 1000.0;
  }

  private static void row(StringBuilder b, String k, String v) {
    b.append("| ").append(k).append(" | ").append(v.replace("|", "\\|")).append(" |\n");
  }

  static double round(double v) {
    return Double.isFinite(v) ? Math.round(v * 10_000) / 10_000.0 : v;
  }
}
