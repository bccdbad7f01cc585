package dev.grpo.reward.rest;

import dev.grpo.rewardapi.CheckerRegistry;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** {@code GET /checkers}: every checker this instance knows (built-in, ServiceLoader, CDI). */
@Path("/checkers")
public class CheckersResource {
  private final CheckerRegistry registry;

  public CheckersResource(CheckerRegistry registry) {
    this.registry = registry;
  }

  @GET
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(
      summary = "List the checkers",
      description = "Names, descriptions and parameters of every checker usable in a reward spec.")
  public List<CheckerInfo> checkers() {
    return registry.all().stream().map(CheckerInfo::of).toList();
  }
}
