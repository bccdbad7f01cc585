package dev.grpo.contracts;

/** Kafka topic names of contract v1. */
public final class Topics {
  public static final String PROMPTS = "grpo.prompts";
  public static final String ROLLOUTS = "grpo.rollouts";
  public static final String SCORED = "grpo.scored";

  /** {@link Incubating}: no stage uses it yet (see {@link RewardPart}). */
  @Incubating public static final String REWARD_PARTS = "grpo.reward-parts";

  public static final String POLICY = "grpo.policy";
  public static final String STEPS = "grpo.steps";
  public static final String DLQ = "grpo.dlq";

  private Topics() {}
}
