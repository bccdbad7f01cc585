package dev.grpo.trainer.service;

import dev.grpo.contracts.DeadLetters;
import dev.grpo.trainer.run.RunStatus;
import java.util.ArrayList;
import java.util.List;
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

  /**
   * Every reason a run's groups can be dropped for, as far as it is known before any drop: the
   * fixed ones, a dead letter of each stage that makes the trainer drop a group (not {@code
   * reward-service/part}, whose group may still be scored), and each way a run ends. The trainer
   * registers its drop counter at 0 for each, so that {@code rate()} and {@code increase()} see the
   * first drop (a counter that appears at 1 has no earlier sample to rise from).
   */
  public static List<String> known() {
    var out = new ArrayList<>(List.of(STALE, ZERO_STD, TOO_FEW_SCORED, UNUSABLE));
    for (String stage :
        List.of(
            DeadLetters.ROLLOUT_GENERATE,
            DeadLetters.REWARD_DECODE,
            DeadLetters.REWARD_SCORE,
            DeadLetters.REWARD_PUBLISH,
            DeadLetters.REWARD_JOIN)) {
      out.add(deadLetter(stage));
    }
    for (RunStatus s : RunStatus.values()) {
      if (s.terminal()) {
        out.add(runEnded(s));
      }
    }
    return List.copyOf(out);
  }

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
