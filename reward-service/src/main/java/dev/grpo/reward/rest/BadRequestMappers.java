package dev.grpo.reward.rest;

import dev.grpo.contracts.EventFormatException;
import dev.grpo.rewardapi.InvalidRewardSpecException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Maps every way a request can be wrong to a 400 that names the field. */
public class BadRequestMappers {

  @ServerExceptionMapper
  public Response badRequest(BadRequestException e) {
    return answer(e.field(), e.getMessage());
  }

  @ServerExceptionMapper
  public Response invalidSpec(InvalidRewardSpecException e) {
    return answer(e.field(), e.getMessage());
  }

  @ServerExceptionMapper
  public Response invalidJson(EventFormatException e) {
    // The decoder's message names the request type, the field path and the rule.
    return answer(
        e.field(), e.getMessage().replace("Invalid ScoreRequest at ", "invalid request at "));
  }

  private static Response answer(String field, String message) {
    return Response.status(Response.Status.BAD_REQUEST)
        .type(MediaType.APPLICATION_JSON)
        .entity(new ApiError(field, message))
        .build();
  }
}
