package dev.grpo.rewards;

import dev.grpo.rewardapi.CheckInput;
import dev.grpo.rewardapi.CheckResult;
import dev.grpo.rewardapi.ParamSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code tag_count}: 0.25 for each of the four R1 tags written exactly once with its newlines, as
 * open-r1's {@code tag_count_reward}: {@code "<think>\n"}, {@code "\n</think>\n"}, {@code
 * "\n<answer>\n"}, {@code "\n</answer>"}.
 */
public final class TagCountChecker extends BuiltinChecker<Void> {
  static final List<String> TAGS =
      List.of("<think>\n", "\n</think>\n", "\n<answer>\n", "\n</answer>");

  @Override
  public String name() {
    return "tag_count";
  }

  @Override
  public String description() {
    return "0.25 for each of '<think>\\n', '\\n</think>\\n', '\\n<answer>\\n', '\\n</answer>' that"
        + " appears exactly once (0 to 1), a partial-credit format signal.";
  }

  @Override
  public List<ParamSpec> params() {
    return List.of();
  }

  @Override
  CheckResult score(CheckInput input, Void nothing) {
    double score = 0;
    var wrong = new ArrayList<String>();
    for (var tag : TAGS) {
      int count = R1FormatChecker.count(input.completion(), tag);
      if (count == 1) {
        score += 0.25;
      } else {
        wrong.add(tag.strip() + " x" + count);
      }
    }
    return CheckResult.scored(
        score,
        wrong.isEmpty()
            ? "all four tags once"
            : "tags not exactly once (with newlines): " + String.join(", ", wrong));
  }
}
