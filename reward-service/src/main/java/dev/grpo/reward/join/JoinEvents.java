package dev.grpo.reward.join;

import dev.grpo.contracts.ScoredGroup;

/** What the join reports to metrics; called on the stream thread, before the commit. */
interface JoinEvents {
  void scored(ScoredGroup group);

  void deadLettered(String stage, String reason);

  /** A part arrived after its group was already scored or dropped. */
  void latePart();

  /** A part's wait ended without it (onTimeout applied). */
  void partTimedOut(String checker);
}
