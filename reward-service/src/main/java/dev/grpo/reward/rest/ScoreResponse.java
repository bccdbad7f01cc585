package dev.grpo.reward.rest;

import dev.grpo.contracts.CompletionScore;
import java.util.List;

/**
 * Answer of {@code POST /score}: exactly what {@code grpo.scored} would carry for these
 * completions.
 *
 * @param scores one per completion, in request order: total, per-checker components, reasons
 * @param scoringMillis wall-clock time spent scoring
 */
public record ScoreResponse(List<CompletionScore> scores, long scoringMillis) {}
