package dev.grpo.trainer.console;

import java.time.Instant;

/** The database's row of one issued group ({@code prompt_group}), as the console reads it. */
public record GroupRow(
    String groupId,
    String runId,
    String promptId,
    long promptIndex,
    int issuedForStep,
    long issuedVersion,
    String state,
    String dropReason,
    Integer trainedStep,
    Long rolloutVersion,
    Instant issuedAt,
    Instant decidedAt) {}
