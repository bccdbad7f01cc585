package dev.grpo.trainer.service;

import dev.grpo.trainer.run.RunStatus;
import java.util.Locale;

/**
 * Why a group was dropped instead of trained ({@code prompt_group.drop_reason}, the {@code reason}
 * tag of {@code grpo.trainer.groups.dropped}). Every drop frees the group's credit, so a
 * replacement prompt is issued while the run still needs groups.
 */
public final class DropReason {
  /** Sampled with a policy more than maxStaleness versions old. */
  public static final String STALE = "stale";

  /** Dynamic sampling: every reward equal (no learning signal). */
  public static final String ZERO_STD = "zero_std";

  /** Fewer than two completions have a real (not skipped) reward. */
  public static final String TOO_FEW_SCORED = "too_few_scored";

  /** Tokens outside the vocabulary or longer than the context; the group is dead-lettered too. */
  public static final String UNUSABLE = "unusable";

  /** Prefix of the reason of a group that arrived after its run had ended (run_stopped, ...). */
  public static final String RUN_PREFIX = "run_";

  /** Prefix of the reason of a group that a stage dead-lettered; the stage follows. */
  public static final String DEAD_LETTER = "dead_letter";

  /** Width of {@code prompt_group.drop_reason}. */
  static final int MAX_LENGTH = 32;

  private DropReason() {}

  /** {@code run_completed}, {@code run_stopped}, {@code run_failed}. */
  public static String runEnded(RunStatus status) {
    return RUN_PREFIX + status.name().toLowerCase(Locale.ROOT);
  }

  /**
   * The drop reason of a group dead-lettered by {@code stage}: {@code dead_letter:<stage>}, with
   * the service name's {@code -service} suffix left out and cut to the column's 32 characters (e.g.
   * {@code rollout-service/generate} gives {@code dead_letter:rollout/generate}). The letter's own
   * reason is free text of any length, so it goes to the log line, not the database.
   */
  public static String deadLetter(String stage) {
    String s = stage.strip().replaceFirst("^([^/]+)-service(/|$)", "$1$2");
    String reason = DEAD_LETTER + ":" + s;
    return reason.length() <= MAX_LENGTH ? reason : reason.substring(0, MAX_LENGTH);
  }
}
