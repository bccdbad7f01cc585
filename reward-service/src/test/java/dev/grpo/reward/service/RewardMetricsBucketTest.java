package dev.grpo.reward.service;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RewardMetricsBucketTest {
  @Test
  void tenthsOfTheScoreRangeWithClamping() {
    assertThat(RewardMetrics.bucket(-1.0)).isEqualTo("-1.0");
    assertThat(RewardMetrics.bucket(-0.95)).isEqualTo("-1.0");
    assertThat(RewardMetrics.bucket(-0.05)).isEqualTo("-0.1");
    assertThat(RewardMetrics.bucket(0.0)).isEqualTo("0.0");
    assertThat(RewardMetrics.bucket(0.3)).isEqualTo("0.3");
    assertThat(RewardMetrics.bucket(0.99)).isEqualTo("0.9");
    assertThat(RewardMetrics.bucket(1.0)).isEqualTo("1.0");
    assertThat(RewardMetrics.bucket(7.0)).isEqualTo("1.0");
    assertThat(RewardMetrics.bucket(-3.0)).isEqualTo("-1.0");
  }
}
