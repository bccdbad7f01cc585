package dev.grpo.contracts;

/**
 * Where a rollout worker spent its time on one group.
 *
 * @param queueWaitMillis from {@link PromptTask#issuedAt()} to the start of generation, {@code >=
 *     0}
 * @param generationMillis time spent generating the whole group, {@code >= 0}
 */
public record RolloutTimings(long queueWaitMillis, long generationMillis) {
  public RolloutTimings {
    Require.atLeast("queueWaitMillis", queueWaitMillis, 0);
    Require.atLeast("generationMillis", generationMillis, 0);
  }
}
