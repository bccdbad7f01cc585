package dev.grpo.reward.join;

import dev.grpo.contracts.CheckerSpec;
import dev.grpo.contracts.CompletionScore;
import dev.grpo.contracts.RolloutGroup;
import dev.grpo.rewards.PartJoin.PartScores;
import java.util.List;

/** What the join needs from the scoring side: validation, the built-ins, and HTTP parts. */
interface JoinScoring {
  /**
   * Checks the group's spec.
   *
   * @throws dev.grpo.rewardapi.InvalidRewardSpecException naming the field
   */
  void validate(RolloutGroup group);

  /** The built-in checkers' scores of the group (external parts left out). */
  List<CompletionScore> builtIns(RolloutGroup group);

  /**
   * The scores of one HTTP part of the group, or a failure whose reason follows the part's {@code
   * onTimeout} policy.
   */
  HttpOutcome http(RolloutGroup group, CheckerSpec part);

  /** What an HTTP scorer gave for one group. */
  sealed interface HttpOutcome {
    /** Scores that fit the group. */
    record Scored(PartScores scores) implements HttpOutcome {}

    /** Timed out, failed after retries, or answered something unusable. */
    record Failed(String reason) implements HttpOutcome {}
  }
}
