package dev.grpo.reward.messaging;

/** Reactive-messaging channel names; tests and configuration use these constants. */
public final class Channels {
  /** Batches of {@code grpo.rollouts} records (raw bytes, decoded by the service). */
  public static final String ROLLOUTS_IN = "rollouts-in";

  /**
   * The transactional producer. Its default topic is {@code grpo.scored}; dead letters go through
   * the same producer with a topic override, so they join the batch's transaction.
   */
  public static final String SCORED_OUT = "scored-out";

  private Channels() {}
}
