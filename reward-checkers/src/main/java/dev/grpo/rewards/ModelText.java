package dev.grpo.rewards;

import dev.grpo.rewardapi.CheckInput;
import dev.grpo.rewardapi.CheckResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Shared, linear-time handling of model text: the input cap, the answer region after the last
 * {@code </think>}, and extraction of {@code \boxed{}} and {@code <answer>} contents.
 */
final class ModelText {
  /**
   * Completions longer than this are scored 0 unread; 256 Ki chars is far above any sane answer.
   */
  static final int MAX_COMPLETION_CHARS = 256 * 1024;

  /** An extracted final answer longer than this is not an answer but a dump; scored 0. */
  static final int MAX_ANSWER_CHARS = 2_000;

  private ModelText() {}

  /** A score-0 result when the completion is over the cap, else empty. */
  static Optional<CheckResult> overCap(CheckInput input) {
    int length = input.completion().length();
    if (length > MAX_COMPLETION_CHARS) {
      return Optional.of(
          CheckResult.scored(
              0,
              "completion has "
                  + length
                  + " chars, over the cap of "
                  + MAX_COMPLETION_CHARS
                  + "; not read"));
    }
    return Optional.empty();
  }

  /**
   * The part of the completion where a final answer may be: everything after the last {@code
   * </think>}. A completion that opens {@code <think>} and never closes it has no answer region
   * (its "answers" are still thoughts); one without think tags is all answer region.
   */
  static String answerRegion(String completion) {
    int close = completion.lastIndexOf("</think>");
    if (close >= 0) {
      return completion.substring(close + "</think>".length());
    }
    return completion.contains("<think>") ? "" : completion;
  }

  /**
   * The contents of every outermost {@code \boxed{...}} / {@code \fbox{...}} in order, found in one
   * pass with a brace stack (so nested and unterminated boxes cost linear time).
   */
  static List<String> boxedContents(String text) {
    var found = new ArrayList<int[]>();
    // Stack of (content start, brace depth at which the box closes) for open boxes.
    var openStarts = new ArrayList<int[]>();
    int depth = 0;
    int n = text.length();
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c == '\\') {
        int boxLen = text.startsWith("\\boxed", i) ? 6 : text.startsWith("\\fbox", i) ? 5 : 0;
        if (boxLen > 0) {
          int j = i + boxLen;
          while (j < n && text.charAt(j) == ' ') {
            j++;
          }
          if (j < n && text.charAt(j) == '{') {
            depth++;
            openStarts.add(new int[] {j + 1, depth});
            i = j;
            continue;
          }
        }
      } else if (c == '{') {
        depth++;
      } else if (c == '}') {
        if (!openStarts.isEmpty() && openStarts.get(openStarts.size() - 1)[1] == depth) {
          var open = openStarts.remove(openStarts.size() - 1);
          found.add(new int[] {open[0], i});
        }
        depth = Math.max(0, depth - 1);
      }
    }
    // Boxes close inner-first; keep only those not inside another one.
    found.sort((a, b) -> Integer.compare(a[0], b[0]));
    var result = new ArrayList<String>();
    int coveredUntil = -1;
    for (var span : found) {
      if (span[0] > coveredUntil) {
        result.add(text.substring(span[0], span[1]));
        coveredUntil = span[1];
      }
    }
    return result;
  }

  /** The contents of the last complete {@code <answer>...</answer>}, if any. */
  static Optional<String> lastAnswerTag(String text) {
    int close = text.lastIndexOf("</answer>");
    if (close < 0) {
      return Optional.empty();
    }
    int open = text.lastIndexOf("<answer>", close);
    if (open < 0) {
      return Optional.empty();
    }
    return Optional.of(text.substring(open + "<answer>".length(), close));
  }

  /** Clips text for use inside a reason string. */
  static String quote(String s) {
    var t = s.length() > 80 ? s.substring(0, 80) + "..." : s;
    return '"' + t.replace("\n", "\\n") + '"';
  }

  /** The gold answer from verification data ({@code answer}), as text; null if absent. */
  static String goldAnswer(CheckInput input, String key) {
    Object gold = input.verification().get(key);
    if (gold == null) {
      return null;
    }
    if (gold instanceof Number n && !(gold instanceof Double || gold instanceof Float)) {
      return n.toString();
    }
    if (gold instanceof Double || gold instanceof Float) {
      // JSON numbers arrive as doubles; BigDecimal's shortest repr keeps 0.1 as "0.1".
      return new java.math.BigDecimal(gold.toString()).stripTrailingZeros().toPlainString();
    }
    return gold.toString();
  }
}
