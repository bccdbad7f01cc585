package dev.grpo.reward.rest;

import dev.grpo.contracts.EventJson;
import dev.grpo.reward.config.RewardConfig;
import dev.grpo.reward.service.RewardMetrics;
import dev.grpo.rewards.GroupScorer;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * {@code POST /score}: scores completions with a reward spec through the same {@link GroupScorer}
 * as the Kafka consumer, for trying a spec before a run uses it.
 */
@Path("/score")
public class ScoreResource {
  private final GroupScorer scorer;
  private final RewardMetrics metrics;
  private final int maxCompletions;

  public ScoreResource(GroupScorer scorer, RewardMetrics metrics, RewardConfig config) {
    this.scorer = scorer;
    this.metrics = metrics;
    this.maxCompletions = config.maxRestCompletions();
  }

  /**
   * The body is read as bytes and decoded with the contract's strict JSON rules, so that unknown
   * fields, wrong types and broken record invariants come back as 400s naming the field.
   */
  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(
      summary = "Score completions with a reward spec",
      description =
          "Per completion: the weighted total, each checker's unweighted score, and a reason per"
              + " checker.")
  @RequestBody(
      required = true,
      content =
          @Content(
              mediaType = MediaType.APPLICATION_JSON,
              schema = @Schema(implementation = ScoreRequest.class)))
  @APIResponse(
      responseCode = "200",
      description = "scores, one per completion in request order",
      content = @Content(schema = @Schema(implementation = ScoreResponse.class)))
  @APIResponse(
      responseCode = "400",
      description = "a field is invalid; the answer names it",
      content = @Content(schema = @Schema(implementation = ApiError.class)))
  public ScoreResponse score(byte[] body) {
    if (body == null || body.length == 0) {
      throw new BadRequestException("$", "request body must be a JSON object, was empty");
    }
    var request = EventJson.standard().decode(body, ScoreRequest.class);
    validate(request);
    long start = System.nanoTime();
    var scores =
        scorer.scoreTexts(
            request.prompt() == null ? "" : request.prompt(),
            request.completions(),
            request.rewardSpec(),
            request.verification());
    metrics.groupScored("rest", scores);
    return new ScoreResponse(scores, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
  }

  private void validate(ScoreRequest request) {
    var completions = request.completions();
    if (completions == null) {
      throw new BadRequestException("completions", "completions must be given, was missing");
    }
    if (completions.isEmpty() || completions.size() > maxCompletions) {
      throw new BadRequestException(
          "completions",
          "completions must hold 1 to " + maxCompletions + " texts, was " + completions.size());
    }
    for (int i = 0; i < completions.size(); i++) {
      if (completions.get(i) == null) {
        throw new BadRequestException(
            "completions[" + i + "]", "completions[" + i + "] must be a string, was null");
      }
    }
    if (request.rewardSpec() == null) {
      throw new BadRequestException("rewardSpec", "rewardSpec must be given, was missing");
    }
  }
}
