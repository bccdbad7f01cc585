package dev.grpo.rewards;

import dev.grpo.rewardapi.CheckInput;
import dev.grpo.rewardapi.CheckResult;
import dev.grpo.rewardapi.ParamSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code exact_match}: the final answer equals a gold string after the chosen normalisations. */
public final class ExactMatchChecker extends BuiltinChecker<List<String>> {
  static final ParamSpec EXTRACT =
      ParamSpec.string(
              "extract",
              "auto",
              "where the answer is: auto (last \\boxed{}, else last <answer>, else the whole answer"
                  + " region), boxed, answer_tag, or region (everything after the last </think>)")
          .oneOf("auto", "boxed", "answer_tag", "region");
  static final ParamSpec CASE_SENSITIVE =
      ParamSpec.bool("caseSensitive", false, "compare letter case");
  static final ParamSpec COLLAPSE_WHITESPACE =
      ParamSpec.bool(
          "collapseWhitespace", true, "trim, and treat any run of whitespace as one space");
  static final ParamSpec STRIP_PUNCTUATION =
      ParamSpec.bool(
          "stripPunctuation",
          false,
          "remove ASCII punctuation (.,;:!?'\"`()[]{}) before comparing");

  @Override
  public String name() {
    return "exact_match";
  }

  @Override
  public String description() {
    return "1 when the final answer equals verification.answer (a string, or a list of accepted"
        + " strings) after normalisation, else 0.";
  }

  @Override
  public List<ParamSpec> params() {
    return List.of(EXTRACT, CASE_SENSITIVE, COLLAPSE_WHITESPACE, STRIP_PUNCTUATION);
  }

  /** The accepted gold answers: {@code verification.answer}, a string or a list of them. */
  @Override
  Reference<List<String>> reference(CheckInput input) {
    var golds = goldAnswers(input);
    return golds.isEmpty() ? Reference.missing(Reference.NO_GOLD_ANSWER) : Reference.of(golds);
  }

  @Override
  CheckResult score(CheckInput input, List<String> golds) {
    var region = ModelText.answerRegion(input.completion());
    String answer = extract(region, input.stringParam(EXTRACT));
    if (answer == null) {
      return CheckResult.scored(0, "no answer found (extract=" + input.stringParam(EXTRACT) + ")");
    }
    if (answer.length() > ModelText.MAX_ANSWER_CHARS) {
      return CheckResult.scored(
          0,
          "answer has "
              + answer.length()
              + " chars, over the cap of "
              + ModelText.MAX_ANSWER_CHARS);
    }
    var normalized = normalize(answer, input);
    for (var gold : golds) {
      if (normalized.equals(normalize(gold, input))) {
        return CheckResult.scored(
            1, "answer " + ModelText.quote(answer) + " matches the gold answer");
      }
    }
    return CheckResult.scored(0, "answer " + ModelText.quote(answer) + " matches no gold answer");
  }

  private static List<String> goldAnswers(CheckInput input) {
    Object gold = input.verification().get("answer");
    var result = new ArrayList<String>();
    if (gold instanceof List<?> list) {
      list.forEach(g -> result.add(String.valueOf(g)));
    } else if (gold != null) {
      result.add(ModelText.goldAnswer(input, "answer"));
    }
    return result;
  }

  private static String extract(String region, String mode) {
    if (mode.equals("region")) {
      return region;
    }
    if (!mode.equals("answer_tag")) {
      var boxed = ModelText.boxedContents(region);
      if (!boxed.isEmpty()) {
        return boxed.get(boxed.size() - 1);
      }
      if (mode.equals("boxed")) {
        return null;
      }
    }
    var tag = ModelText.lastAnswerTag(region);
    if (tag.isPresent() || mode.equals("answer_tag")) {
      return tag.orElse(null);
    }
    return region;
  }

  private static String normalize(String s, CheckInput input) {
    var out = new StringBuilder(s.length());
    boolean strip = input.booleanParam(STRIP_PUNCTUATION);
    boolean collapse = input.booleanParam(COLLAPSE_WHITESPACE);
    boolean pendingSpace = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (strip && ".,;:!?'\"`()[]{}".indexOf(c) >= 0) {
        continue;
      }
      if (collapse && Character.isWhitespace(c)) {
        pendingSpace = out.length() > 0;
        continue;
      }
      if (pendingSpace) {
        out.append(' ');
        pendingSpace = false;
      }
      out.append(c);
    }
    var text = out.toString();
    return input.booleanParam(CASE_SENSITIVE) ? text : text.toLowerCase(Locale.ROOT);
  }
}
