package dev.grpo.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher's pure parts: recipe overrides, derived run numbers, the report. */
class ReportPartsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void recipeOverridesAreValidatedAndTheBuiltInUsesTheTrainersGenerator() throws Exception {
    DemoRecipe r = DemoRecipe.builtIn().withSteps(3).withSeed(7).withMaxStaleness(0);
    assertThat(r.runConfig().path("steps").asInt()).isEqualTo(3);
    assertThat(r.runConfig().path("checkpointEvery").asInt()).isLessThanOrEqualTo(3);
    assertThat(r.runConfig().path("seed").asLong()).isEqualTo(7);
    assertThat(r.runConfig().path("maxStaleness").asInt()).isZero();
    assertThatThrownBy(() -> r.withSteps(0))
        .hasMessage("--steps must be between 1 and 1000000, was 0");
    assertThatThrownBy(() -> r.withMaxStaleness(17))
        .hasMessage("--max-staleness must be between 0 and 16, was 17");
    // The trainer generates the prompts itself; no file, no path the trainer must share with the
    // launcher.
    JsonNode dataset = r.runConfig().path("dataset");
    assertThat(dataset.path("generator").asText()).isEqualTo("digit_max");
    assertThat(dataset.path("params").path("digits").asInt()).isEqualTo(4);
    assertThat(dataset.has("jsonlPath")).isFalse();
  }

  @Test
  void snapshotDerivesTimesTokensAndWaitShareFromTheTrainersTimestamps() throws Exception {
    RunSnapshot s = snapshot();
    assertThat(s.trainingSeconds()).isEqualTo(4.0);
    assertThat(s.stepsPerSecond()).isEqualTo(0.5);
    assertThat(s.totalTokens()).isEqualTo(300);
    // Last 5 steps window over 2 steps: the tokens of step 2 over the 2 s between the steps.
    assertThat(s.recentTokensPerSecond(5)).isEqualTo(100.0);
    // wait 100 + 400 of (wait + compute + checkpoint) 400 + 1200 ms.
    assertThat(s.stepTime().waitShare()).isEqualTo(500.0 / 1600.0);
    assertThat(s.firstReaching("exact_match", 0.5))
        .get()
        .extracting(RunSnapshot.TargetHit::step)
        .isEqualTo(2);
    assertThat(s.evalChecker("position_match")).isEqualTo("reward");
    assertThat(ProgressLine.format(s, "exact_match"))
        .startsWith(
            "step 2/4 | reward 0.500 | eval exact_match 0.600 @2 | 100 tok/s | in flight 3 | 0:04"
                + " elapsed | ETA 0:04");
  }

  @Test
  void reportFolderHasPngMetricsAndMarkdown() throws Exception {
    Path out = ReportWriter.write(snapshot(), "exact_match", 0.5, dir, null);
    assertThat(ImageIO.read(out.resolve(ReportWriter.CURVES_PNG).toFile()).getHeight())
        .isEqualTo(CurvePlot.HEIGHT);
    JsonNode m = JSON.readTree(out.resolve(ReportWriter.METRICS_JSON).toFile());
    assertThat(m.path("targetReachedAtStep").asInt()).isEqualTo(2);
    assertThat(m.path("rewardMeanFirstSteps").asDouble()).isEqualTo(0.3);
    assertThat(Files.readString(out.resolve(ReportWriter.REPORT_MD)))
        .contains("reached at step 2 after 0:04");
  }

  @Test
  void clockAndTicks() {
    assertThat(ProgressLine.clock(65)).isEqualTo("1:05");
    assertThat(ProgressLine.clock(3725)).isEqualTo("1:02:05");
    assertThat(CurvePlot.niceTick(100)).isEqualTo(20);
    assertThat(CurvePlot.niceTick(12)).isEqualTo(1);
  }

  private static RunSnapshot snapshot() throws Exception {
    JsonNode run =
        JSON.readTree(
            """
            {"id":"r1","name":"t","status":"RUNNING","completedSteps":2,"steps":4,"createdAt":"2026-01-01T00:00:00Z",
             "groups":{"issued":7,"inFlight":3,"trained":4,"dropped":{}},"config":{"seed":5,"maxStaleness":1}}\
            """);
    JsonNode steps =
        JSON.readTree(
            """
            [{"step":1,"rewardMean":0.1,"tokens":100,"waitMillis":100,"computeMillis":250,"checkpointMillis":50,
              "createdAt":"2026-01-01T00:00:02Z"},
             {"step":2,"rewardMean":0.5,"tokens":200,"waitMillis":400,"computeMillis":700,"checkpointMillis":100,
              "createdAt":"2026-01-01T00:00:04Z"}]\
            """);
    JsonNode evals =
        JSON.readTree(
            """
            [{"step":0,"checker":"exact_match","accuracy":0.0,"examples":10,"createdAt":"2026-01-01T00:00:01Z"},
             {"step":2,"checker":"exact_match","accuracy":0.6,"examples":10,"createdAt":"2026-01-01T00:00:04Z"},
             {"step":2,"checker":"reward","accuracy":0.6,"examples":10,"createdAt":"2026-01-01T00:00:04Z"}]\
            """);
    JsonNode versions =
        JSON.readTree(
            """
            [{"version":2,"step":2,"checkpointUri":"file:///nowhere/v2","sha256":"ab","createdAt":"2026-01-01T00:00:04Z"}]\
            """);
    return new RunSnapshot(run, steps, evals, versions);
  }
}
