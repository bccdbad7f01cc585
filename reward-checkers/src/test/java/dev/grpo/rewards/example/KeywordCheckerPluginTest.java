package dev.grpo.rewards.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.contracts.CheckerSpec;
import dev.grpo.contracts.RewardSpec;
import dev.grpo.rewardapi.CheckerRegistry;
import dev.grpo.rewards.GroupScorer;
import dev.grpo.rewards.ScoringLimits;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class KeywordCheckerPluginTest {

  @Test
  void theRegistryFindsThePluginBesideTheBuiltIns() {
    var registry = CheckerRegistry.fromServiceLoader();
    assertThat(registry.names()).contains("keyword", "math_equiv", "code_tests");
    assertThat(registry.names())
        .hasSize(new dev.grpo.rewards.BuiltinCheckers().checkers().size() + 1);
    assertThat(registry.get("keyword")).isInstanceOf(KeywordChecker.class);
  }

  @Test
  void aSpecCanCombineThePluginWithBuiltIns() {
    var pool = Executors.newFixedThreadPool(2);
    try {
      var scorer =
          new GroupScorer(CheckerRegistry.fromServiceLoader(), pool, ScoringLimits.DEFAULTS);
      var spec =
          new RewardSpec(
              List.of(
                  new CheckerSpec("math_equiv", 1.0, null), new CheckerSpec("keyword", 0.2, null)));
      var scores =
          scorer.scoreTexts(
              "p",
              List.of("By Pythagoras, \\boxed{5}", "\\boxed{5}"),
              spec,
              Map.of("answer", "5", "keyword", "pythagoras"));
      assertThat(scores.get(0).total()).isEqualTo(1.2);
      assertThat(scores.get(1).total()).isEqualTo(1.0);
      assertThat(scores.get(1).reasons().get("keyword")).isEqualTo("does not mention pythagoras");
    } finally {
      pool.shutdownNow();
    }
  }
}
