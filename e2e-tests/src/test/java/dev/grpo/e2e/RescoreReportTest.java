package dev.grpo.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.grpo.contracts.CompletionScore;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RescoreReportTest {
  private static CompletionScore s(int i, double total, String checker) {
    return new CompletionScore(i, total, Map.of(checker, total), Map.of(), false);
  }

  @Test
  void distributionsAgreementAndFlips() {
    var same =
        new RescoreReport.Group(
            "g-same", List.of(s(0, 1, "a"), s(1, 0, "a")), List.of(s(0, 0.9, "b"), s(1, 0.1, "b")));
    var flipped =
        new RescoreReport.Group(
            "g-flip", List.of(s(0, 1, "a"), s(1, 0, "a")), List.of(s(0, 0, "b"), s(1, 1, "b")));
    var report = new RescoreReport(List.of(same, flipped));
    assertThat(report.signFlips()).containsExactly("g-flip");
    assertThat(report.advantageSignAgreement()).isCloseTo(0.5, within(1e-12));
    var d = report.distributions();
    assertThat(d.keySet()).containsExactly("total", "a", "b");
    assertThat(d.get("a")[0].mean()).isCloseTo(0.5, within(1e-12));
    assertThat(d.get("a")[1].count()).isZero();
    assertThat(report.markdown("run-1", "{}"))
        .contains("| total |")
        .contains("Advantage sign agreement: 50.00 %")
        .contains("- g-flip");
  }
}
