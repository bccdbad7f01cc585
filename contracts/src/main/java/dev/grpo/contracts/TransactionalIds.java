package dev.grpo.contracts;

/**
 * The Kafka {@code transactional.id} of a stage instance that writes exactly once: {@code
 * grpo-<stage>-<instanceId>}. One rule for every stage (the rollout worker in code, the reward
 * service in its {@code application.properties}, checked by a test), so that ids never collide
 * across stages and an operator can tell from the broker's transaction list whose transaction is
 * open.
 *
 * <p>The instance id must be unique among the running instances of a stage (two live instances with
 * one id fence each other: the older one's next commit fails and it stops) and should stay the same
 * across restarts of one instance: a restarted instance then aborts the transaction its predecessor
 * left open at once ({@code initTransactions}), instead of read_committed readers waiting for that
 * transaction to time out.
 */
public final class TransactionalIds {
  /** Stage name of the rollout worker. */
  public static final String ROLLOUT = "rollout";

  /** Stage name of the reward service. */
  public static final String REWARD = "reward";

  private TransactionalIds() {}

  /**
   * The transactional id of one instance of a stage.
   *
   * @param stage {@link #ROLLOUT} or {@link #REWARD}
   * @param instanceId the instance's stable, unique id
   * @throws IllegalArgumentException if the instance id is blank or contains whitespace
   */
  public static String of(String stage, String instanceId) {
    Require.nonNull("stage", stage);
    Require.nonNull("instanceId", instanceId);
    if (instanceId.isBlank()
        || !instanceId.equals(instanceId.strip())
        || instanceId.contains(" ")) {
      throw new IllegalArgumentException(
          "instanceId must be non-blank without spaces, was '" + instanceId + "'");
    }
    return "grpo-" + stage + "-" + instanceId;
  }
}
