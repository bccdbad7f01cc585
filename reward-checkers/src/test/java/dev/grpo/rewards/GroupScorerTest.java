package dev.grpo.rewards;

import static dev.grpo.rewards.Checks.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.grpo.contracts.CheckerSpec;
import dev.grpo.contracts.RewardSpec;
import dev.grpo.rewardapi.CheckInput;
import dev.grpo.rewardapi.CheckResult;
import dev.grpo.rewardapi.Checker;
import dev.grpo.rewardapi.CheckerRegistry;
import dev.grpo.rewardapi.InvalidRewardSpecException;
import dev.grpo.rewardapi.ParamSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GroupScorerTest {
  private final ExecutorService pool = Executors.newFixedThreadPool(2);

  /** Sleeps when the completion says "slow", throws when it says "boom". */
  static final class Misbehaving implements Checker {
    @Override
    public String name() {
      return "misbehaving";
    }

    @Override
    public String description() {
      return "test";
    }

    @Override
    public List<ParamSpec> params() {
      return List.of();
    }

    @Override
    public CheckResult check(CheckInput input) {
      if (input.completion().contains("slow")) {
        try {
          Thread.sleep(60_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return CheckResult.scored(1, "woke up");
        }
      }
      if (input.completion().contains("boom")) {
        throw new IllegalStateException("boom");
      }
      return CheckResult.scored(1, "fine");
    }
  }

  private GroupScorer scorer(ScoringLimits limits) {
    var checkers = new ArrayList<Checker>(new BuiltinCheckers().checkers());
    checkers.add(new Misbehaving());
    return new GroupScorer(CheckerRegistry.of(checkers), pool, limits);
  }

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  @Test
  void weightedTotalsComponentsAndReasons() {
    var spec =
        new RewardSpec(
            List.of(
                new CheckerSpec("math_equiv", 1.0, null),
                new CheckerSpec("r1_format", 0.5, null),
                new CheckerSpec("overlong", 2.0, map("maxLength", 100, "cacheLength", 20))));
    var scores =
        scorer(ScoringLimits.DEFAULTS)
            .score(
                "what is 2+2?",
                List.of(
                    new GroupScorer.CompletionText(
                        "<think>2+2</think><answer>\\boxed{4}</answer>", 90),
                    new GroupScorer.CompletionText("\\boxed{5}", 10)),
                spec,
                Map.of("answer", "4"));
    assertThat(scores).hasSize(2);
    var first = scores.get(0);
    assertThat(first.index()).isZero();
    assertThat(first.components()).containsEntry("math_equiv", 1.0).containsEntry("r1_format", 1.0);
    assertThat(first.components().get("overlong")).isCloseTo(-0.5, within(1e-12));
    assertThat(first.total()).isCloseTo(1.0 + 0.5 - 1.0, within(1e-12));
    assertThat(first.reasons()).containsKeys("math_equiv", "r1_format", "overlong");
    assertThat(first.skipped()).isFalse();
    assertThat(scores.get(1).total()).isZero();
  }

  @Test
  void notApplicableMarksSkippedAndLeavesTheComponentOut() {
    var spec =
        new RewardSpec(
            List.of(
                new CheckerSpec("math_equiv", 1.0, null), new CheckerSpec("tag_count", 1.0, null)));
    var score =
        scorer(ScoringLimits.DEFAULTS)
            .scoreTexts("p", List.of("<think>\nx\n</think>\n"), spec, Map.of())
            .get(0);
    assertThat(score.skipped()).isTrue();
    assertThat(score.components()).containsOnlyKeys("tag_count");
    assertThat(score.reasons()).containsEntry("math_equiv", "verification.answer is missing");
    assertThat(score.total()).isEqualTo(0.5);
  }

  @Test
  void timeoutsAndCrashesBecomeZeroWithAReason() {
    var spec = new RewardSpec(List.of(new CheckerSpec("misbehaving", 1.0, null)));
    long start = System.nanoTime();
    var scores =
        scorer(new ScoringLimits(200, 5_000))
            .scoreTexts("p", List.of("slow", "boom", "ok", "slow"), spec, Map.of());
    long tookMillis = (System.nanoTime() - start) / 1_000_000;
    assertThat(tookMillis).isLessThan(2_000);
    assertThat(scores.get(0).total()).isZero();
    assertThat(scores.get(0).reasons().get("misbehaving")).isEqualTo("timed out after 200 ms");
    assertThat(scores.get(1).reasons().get("misbehaving"))
        .isEqualTo("checker failed: java.lang.IllegalStateException: boom");
    assertThat(scores.get(1).total()).isZero();
    assertThat(scores.get(2).total()).isEqualTo(1.0);
    assertThat(scores.get(3).reasons().get("misbehaving")).isEqualTo("timed out after 200 ms");
  }

  @Test
  void groupBudgetCapsTheWholeGroup() {
    var spec = new RewardSpec(List.of(new CheckerSpec("misbehaving", 1.0, null)));
    long start = System.nanoTime();
    // Two threads, four slow completions, 300 ms budget: two never start, two are interrupted.
    var scores =
        scorer(new ScoringLimits(10_000, 300))
            .scoreTexts("p", List.of("slow", "slow", "slow", "slow"), spec, Map.of());
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2_000);
    assertThat(scores)
        .allSatisfy(
            s -> {
              assertThat(s.total()).isZero();
              assertThat(s.reasons().get("misbehaving"))
                  .isEqualTo("group time budget spent before this completion finished");
            });
  }

  @Test
  void invalidSpecIsRejectedBeforeScoring() {
    var spec = new RewardSpec(List.of(new CheckerSpec("numeric", 1.0, map("tolerance", -1))));
    assertThatThrownBy(
            () -> scorer(ScoringLimits.DEFAULTS).scoreTexts("p", List.of("1"), spec, Map.of()))
        .isInstanceOf(InvalidRewardSpecException.class)
        .hasMessage("rewardSpec.checkers[0].params.tolerance must be >= 0, was -1");
  }
}
