package dev.grpo.reward;

import dev.grpo.rewardapi.CheckInput;
import dev.grpo.rewardapi.CheckResult;
import dev.grpo.rewardapi.Checker;
import dev.grpo.rewardapi.ParamSpec;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/** Checkers contributed as CDI beans (the second plug-in route next to ServiceLoader). */
public final class TestCheckers {
  private TestCheckers() {}

  /** Scores 1 when the completion contains {@code params.word}, else 0. */
  @ApplicationScoped
  public static class ContainsWordChecker implements Checker {
    static final ParamSpec WORD =
        ParamSpec.string("word", null, "the word to look for").asRequired();

    @Override
    public String name() {
      return "test_contains_word";
    }

    @Override
    public String description() {
      return "Test-only CDI checker: 1 when the completion contains params.word.";
    }

    @Override
    public List<ParamSpec> params() {
      return List.of(WORD);
    }

    @Override
    public CheckResult check(CheckInput input) {
      var word = input.stringParam(WORD);
      return input.completion().contains(word)
          ? CheckResult.scored(1, "contains '" + word + "'")
          : CheckResult.scored(0, "does not contain '" + word + "'");
    }
  }
}
