package dev.grpo.rewards.example;

import dev.grpo.rewardapi.CheckInput;
import dev.grpo.rewardapi.CheckResult;
import dev.grpo.rewardapi.Checker;
import dev.grpo.rewardapi.ParamSpec;
import java.util.List;
import java.util.Locale;

/**
 * The worked example plug-in of docs/rewards.md: 1 when the completion mentions a keyword given by
 * the task ({@code verification.keyword}), not applicable when the task has none. Registered in
 * {@code META-INF/services/dev.grpo.rewardapi.Checker}.
 */
public final class KeywordChecker implements Checker {
  static final ParamSpec CASE_SENSITIVE =
      ParamSpec.bool("caseSensitive", false, "match letter case");

  @Override
  public String name() {
    return "keyword";
  }

  @Override
  public String description() {
    return "1 when the completion contains verification.keyword, else 0.";
  }

  @Override
  public List<ParamSpec> params() {
    return List.of(CASE_SENSITIVE);
  }

  @Override
  public CheckResult check(CheckInput input) {
    if (!(input.verification().get("keyword") instanceof String keyword) || keyword.isEmpty()) {
      return CheckResult.notApplicable("verification.keyword is missing");
    }
    var text = input.completion();
    if (text.length() > 100_000) { // every checker caps its input
      return CheckResult.scored(0, "completion over 100000 chars");
    }
    boolean found =
        input.booleanParam(CASE_SENSITIVE)
            ? text.contains(keyword)
            : text.toLowerCase(Locale.ROOT).contains(keyword.toLowerCase(Locale.ROOT));
    return CheckResult.scored(found ? 1 : 0, (found ? "mentions " : "does not mention ") + keyword);
  }
}
