package dev.grpo.trainer.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicRatesTest {
  @Test
  void rateIsRecordsAppendedOverTheWindowPerSecond() {
    var rates = new TopicRates(10_000);
    rates.add(0, Map.of("a", 100L, "b", 5L));
    rates.add(1_000, Map.of("a", 150L, "b", 5L));
    rates.add(2_000, Map.of("a", 300L, "b", 5L, "c", 9L));
    assertThat(rates.perSecond())
        .containsEntry("a", 100.0)
        .containsEntry("b", 0.0)
        .containsEntry("c", 0.0);
    assertThat(rates.endOffsets()).containsEntry("a", 300L);
  }

  @Test
  void oldSamplesLeaveTheWindow() {
    var rates = new TopicRates(2_000);
    rates.add(0, Map.of("a", 0L));
    rates.add(1_000, Map.of("a", 1_000L));
    rates.add(3_000, Map.of("a", 1_010L));
    rates.add(4_000, Map.of("a", 1_020L));
    // window now starts at 3,000 (1,000 is more than 2 s before 4,000... and so is 0)
    assertThat(rates.perSecond().get("a")).isEqualTo(10.0);
  }

  @Test
  void aShrinkingOffsetCountsAsNoTrafficAndOneSampleGivesZero() {
    var rates = new TopicRates(10_000);
    rates.add(0, Map.of("a", 10L));
    assertThat(rates.perSecond()).containsEntry("a", 0.0);
    rates.add(1_000, Map.of("a", 3L));
    assertThat(rates.perSecond()).containsEntry("a", 0.0);
  }

  @Test
  void refusesSamplesOutOfOrder() {
    var rates = new TopicRates(10_000);
    rates.add(5, Map.of());
    assertThatThrownBy(() -> rates.add(4, Map.of()))
        .hasMessageContaining("samples must come in time order");
    assertThatThrownBy(() -> new TopicRates(0)).hasMessage("windowMillis must be > 0, was 0");
  }
}
