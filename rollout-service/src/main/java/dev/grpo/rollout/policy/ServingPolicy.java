package dev.grpo.rollout.policy;

import dev.grpo.policy.checkpoint.LoadedCheckpoint;

/**
 * A policy checkpoint loaded and verified, ready to sample with.
 *
 * @param runId the run it belongs to
 * @param version its policy version
 * @param checkpointUri where it came from
 * @param sha256 its verified digest
 * @param checkpoint the model and tokenizer
 */
public record ServingPolicy(
    String runId, long version, String checkpointUri, String sha256, LoadedCheckpoint checkpoint) {}
