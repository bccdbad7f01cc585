package dev.grpo.reward.join;

import dev.grpo.contracts.CheckerSpec;
import dev.grpo.contracts.CompletionScore;
import dev.grpo.contracts.RolloutGroup;
import dev.grpo.reward.http.HttpScorerClient;
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
  HttpScorerClient.Result http(RolloutGroup group, CheckerSpec part);
}
