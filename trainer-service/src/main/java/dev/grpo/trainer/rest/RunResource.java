package dev.grpo.trainer.rest;

import dev.grpo.trainer.rest.RunViews.EvalView;
import dev.grpo.trainer.rest.RunViews.RunView;
import dev.grpo.trainer.rest.RunViews.StepView;
import dev.grpo.trainer.rest.RunViews.VersionView;
import dev.grpo.trainer.run.RunRequest;
import dev.grpo.trainer.service.RunCommand;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Training runs: create, list, inspect, pause, resume, stop; steps, policy versions and
 * evaluations.
 */
@Path("/runs")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "runs")
public class RunResource {
  private final RunService runs;

  public RunResource(RunService runs) {
    this.runs = runs;
  }

  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @Operation(
      summary = "Create and start a run",
      description =
          "Validates the configuration, fills in defaults, stores the run and starts it: version 0"
              + " is saved and published to grpo.policy before the first prompt is issued.")
  @APIResponse(
      responseCode = "201",
      description = "Created",
      content = @Content(schema = @Schema(implementation = RunView.class)))
  @APIResponse(
      responseCode = "400",
      description = "A field breaks a rule; the body names the field, value and rule",
      content = @Content(schema = @Schema(implementation = RunViews.ErrorView.class)))
  public Response create(RunRequest request) {
    RunView run = runs.create(request);
    return Response.created(URI.create("/runs/" + run.id())).entity(run).build();
  }

  @GET
  @Operation(summary = "All runs, oldest first")
  public List<RunView> list() {
    return runs.list();
  }

  @GET
  @Path("{id}")
  @Operation(summary = "One run with its progress and group accounting")
  @APIResponse(responseCode = "404", description = "No such run")
  public RunView get(@PathParam("id") String id) {
    return runs.get(id);
  }

  @POST
  @Path("{id}/pause")
  @Operation(summary = "Pause: no new prompts, no steps; arriving groups are kept")
  @APIResponse(responseCode = "409", description = "The run is not RUNNING")
  public RunView pause(@PathParam("id") String id) {
    return runs.command(id, RunCommand.PAUSE);
  }

  @POST
  @Path("{id}/resume")
  @Operation(summary = "Resume a paused run")
  @APIResponse(responseCode = "409", description = "The run is not PAUSED")
  public RunView resume(@PathParam("id") String id) {
    return runs.command(id, RunCommand.RESUME);
  }

  @POST
  @Path("{id}/stop")
  @Operation(
      summary =
          "Stop for good; groups still in flight are counted as dropped (run_stopped) on arrival")
  @APIResponse(responseCode = "409", description = "The run has already ended")
  public RunView stop(@PathParam("id") String id) {
    return runs.command(id, RunCommand.STOP);
  }

  @GET
  @Path("{id}/steps")
  @Operation(summary = "The run's training steps with their metrics")
  public List<StepView> steps(@PathParam("id") String id) {
    return runs.steps(id);
  }

  @GET
  @Path("{id}/versions")
  @Operation(summary = "The run's published policy versions (checkpoint URI + sha256)")
  public List<VersionView> versions(@PathParam("id") String id) {
    return runs.versions(id);
  }

  @GET
  @Path("{id}/evals")
  @Operation(summary = "Held-out accuracy per checker at each evaluated step")
  public List<EvalView> evals(@PathParam("id") String id) {
    return runs.evals(id);
  }
}
