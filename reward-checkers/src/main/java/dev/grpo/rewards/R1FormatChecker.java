package dev.grpo.rewards;

import com.google.re2j.Pattern;
import dev.grpo.rewardapi.CheckInput;
import dev.grpo.rewardapi.CheckResult;
import dev.grpo.rewardapi.ParamSpec;
import java.util.List;

/** {@code r1_format}: {@code <think>…</think><answer>…</answer>}, one of each, both non-empty. */
public final class R1FormatChecker extends BuiltinChecker<Void> {
  static final ParamSpec THINK_PREFILLED =
      ParamSpec.bool(
          "thinkPrefilled",
          false,
          "the prompt already ends with <think>, so the completion starts inside it");

  /** Whole-completion shape; RE2 so a hostile completion cannot make it backtrack. */
  static final Pattern SHAPE =
      Pattern.compile("(?s)^\\s*<think>(.*)</think>\\s*<answer>(.*)</answer>\\s*$");

  @Override
  public String name() {
    return "r1_format";
  }

  @Override
  public String description() {
    return "1 when the completion is exactly <think>...</think> then <answer>...</answer>"
        + " (whitespace around allowed), with one of each tag and non-empty contents; else 0.";
  }

  @Override
  public List<ParamSpec> params() {
    return List.of(THINK_PREFILLED);
  }

  @Override
  CheckResult score(CheckInput input, Void nothing) {
    var text =
        input.booleanParam(THINK_PREFILLED) ? "<think>" + input.completion() : input.completion();
    for (var tag : List.of("<think>", "</think>", "<answer>", "</answer>")) {
      int count = count(text, tag);
      if (count != 1) {
        return CheckResult.scored(0, tag + " appears " + count + " times, expected once");
      }
    }
    var m = SHAPE.matcher(text);
    if (!m.matches()) {
      return CheckResult.scored(0, "not of the form <think>...</think><answer>...</answer>");
    }
    if (m.group(1).isBlank()) {
      return CheckResult.scored(0, "<think> is empty");
    }
    if (m.group(2).isBlank()) {
      return CheckResult.scored(0, "<answer> is empty");
    }
    return CheckResult.scored(1, "well-formed <think> and <answer>");
  }

  static int count(String text, String needle) {
    int count = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) {
      count++;
    }
    return count;
  }
}
