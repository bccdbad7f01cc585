package dev.grpo.contracts;

import java.time.Instant;
import java.util.Map;

/**
 * One prompt to sample a group of completions for. Topic {@link Topics#PROMPTS}, key {@code
 * groupId}.
 *
 * @param schemaVersion contract version, {@link Contracts#SCHEMA_VERSION}
 * @param runId the training run
 * @param groupId unique id of this group; the idempotency key and the Kafka key on every topic of
 *     the group
 * @param promptId id of the prompt in the run's data set (the same prompt can be issued in many
 *     groups)
 * @param prompt the prompt text, as given to the tokenizer
 * @param groupSize G, completions to sample, 1 to {@link Contracts#MAX_GROUP_SIZE}
 * @param sampling sampling parameters
 * @param rewardSpec how completions are scored
 * @param verification data the checkers need (e.g. {@code {"answer": "42"}}); optional, default
 *     empty
 * @param issuedForStep the trainer step the group is meant for, {@code >= 0}
 * @param policy the oldest policy version the group should be sampled with
 * @param issuedAt when the trainer issued the task
 */
public record PromptTask(
    int schemaVersion,
    String runId,
    String groupId,
    String promptId,
    String prompt,
    int groupSize,
    SamplingParams sampling,
    RewardSpec rewardSpec,
    @OptionalField Map<String, Object> verification,
    long issuedForStep,
    PolicyRef policy,
    Instant issuedAt) {

  public PromptTask {
    Require.schemaVersion(schemaVersion);
    Require.nonBlank("runId", runId);
    Require.nonBlank("groupId", groupId);
    Require.nonBlank("promptId", promptId);
    Require.nonNull("prompt", prompt);
    Require.between("groupSize", groupSize, 1, Contracts.MAX_GROUP_SIZE);
    Require.nonNull("sampling", sampling);
    Require.nonNull("rewardSpec", rewardSpec);
    verification = Require.optionalMap("verification", verification);
    Require.atLeast("issuedForStep", issuedForStep, 0);
    Require.nonNull("policy", policy);
    Require.nonNull("issuedAt", issuedAt);
  }
}
