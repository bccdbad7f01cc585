package dev.grpo.rewards;

import dev.grpo.rewardapi.CheckInput;
import dev.grpo.rewardapi.CheckResult;
import dev.grpo.rewardapi.Checker;

/**
 * The opening steps every built-in checker shares, written once, so a checker only scores:
 *
 * <ol>
 *   <li>the input cap: a checker that reads the completion's text ({@link #readsText()}) scores a
 *       completion over {@link ModelText#MAX_COMPLETION_CHARS} 0, unread ({@link
 *       ModelText#overCap});
 *   <li>the reference: what the sample is judged against ({@link #reference}, e.g. {@link
 *       Reference#goldAnswer}); without it the sample is not applicable, with the reason the
 *       reference gave;
 *   <li>then {@link #score} with that reference.
 * </ol>
 *
 * They run inside {@link #check}, so a direct call and {@link GroupScorer} see the same results,
 * and plug-in checkers (which implement {@link Checker} themselves) are unaffected.
 *
 * @param <R> what the checker judges against ({@link Void} when only the completion)
 */
abstract class BuiltinChecker<R> implements Checker {

  @Override
  public final CheckResult check(CheckInput input) {
    if (readsText()) {
      var cap = ModelText.overCap(input);
      if (cap.isPresent()) {
        return cap.get();
      }
    }
    var reference = reference(input);
    if (reference instanceof Reference.Missing<R> missing) {
      return CheckResult.notApplicable(missing.reason());
    }
    return score(input, ((Reference.Present<R>) reference).value());
  }

  /**
   * Whether the checker reads the completion's text, so that the input cap applies; false for the
   * checkers that measure only its length.
   */
  boolean readsText() {
    return true;
  }

  /** What the sample is judged against, or why it cannot be judged; by default nothing. */
  @SuppressWarnings("unchecked")
  Reference<R> reference(CheckInput input) {
    return (Reference<R>) Reference.none();
  }

  /**
   * Scores a completion within the cap whose reference is present. Never throws for bad model
   * output (see {@link Checker#check}).
   */
  abstract CheckResult score(CheckInput input, R reference);
}
