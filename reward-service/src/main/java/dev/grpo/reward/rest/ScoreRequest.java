package dev.grpo.reward.rest;

import dev.grpo.contracts.RewardSpec;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Body of {@code POST /score}.
 *
 * @param prompt the prompt the completions answer; optional
 * @param completions the completion texts, 1 to {@code grpo.reward.max-rest-completions}
 * @param rewardSpec the weighted checkers, as in {@code PromptTask.rewardSpec}
 * @param verification the task's verification data (e.g. {@code {"answer": "42"}}); optional
 */
@Schema(description = "Completions to score with a reward spec")
public record ScoreRequest(
    @Schema(description = "prompt text; optional") String prompt,
    @Schema(required = true, description = "completion texts, scored independently")
        List<String> completions,
    @Schema(required = true, description = "weighted checkers with parameters")
        RewardSpec rewardSpec,
    @Schema(description = "verification data for the checkers, e.g. {\"answer\": \"42\"}")
        Map<String, Object> verification) {}
