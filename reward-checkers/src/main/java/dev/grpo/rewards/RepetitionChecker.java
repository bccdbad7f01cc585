package dev.grpo.rewards;

import dev.grpo.rewardapi.CheckInput;
import dev.grpo.rewardapi.CheckResult;
import dev.grpo.rewardapi.ParamSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;

/**
 * {@code repetition}: open-r1's n-gram repetition penalty. Words are the lower-cased
 * whitespace-separated tokens; with {@code T} n-grams of which {@code U} are distinct the score is
 * {@code (1 - U/T) * maxPenalty}.
 */
public final class RepetitionChecker extends BuiltinChecker<Void> {
  static final ParamSpec NGRAM_SIZE =
      ParamSpec.integer("ngramSize", 3L, "n of the n-grams").atLeast(1).atMost(16);
  static final ParamSpec MAX_PENALTY =
      ParamSpec.number("maxPenalty", -1.0, "score when every n-gram repeats; <= 0")
          .atLeast(-10)
          .atMost(0);

  @Override
  public String name() {
    return "repetition";
  }

  @Override
  public String description() {
    return "n-gram repetition penalty in [maxPenalty, 0]: (1 - distinct/total n-grams of the"
        + " lower-cased words) * maxPenalty; 0 when there are fewer words than ngramSize.";
  }

  @Override
  public List<ParamSpec> params() {
    return List.of(NGRAM_SIZE, MAX_PENALTY);
  }

  @Override
  CheckResult score(CheckInput input, Void nothing) {
    int n = (int) input.longParam(NGRAM_SIZE);
    double maxPenalty = input.doubleParam(MAX_PENALTY);
    var words = words(input.completion().toLowerCase(Locale.ROOT));
    if (words.size() < n) {
      return CheckResult.scored(0, words.size() + " words, fewer than ngramSize " + n);
    }
    var distinct = new HashSet<List<String>>();
    int total = 0;
    for (int i = 0; i + n <= words.size(); i++) {
      distinct.add(words.subList(i, i + n));
      total++;
    }
    double scaling = 1.0 - (double) distinct.size() / total;
    double score = scaling * maxPenalty;
    return CheckResult.scored(
        score == 0 ? 0 : score, distinct.size() + " distinct of " + total + " " + n + "-grams");
  }

  /** Whitespace-separated words, by a hand scan (no regex on model text). */
  static List<String> words(String text) {
    var words = new ArrayList<String>();
    int start = -1;
    for (int i = 0; i <= text.length(); i++) {
      boolean space = i == text.length() || Character.isWhitespace(text.charAt(i));
      if (space && start >= 0) {
        words.add(text.substring(start, i));
        start = -1;
      } else if (!space && start < 0) {
        start = i;
      }
    }
    return words;
  }
}
