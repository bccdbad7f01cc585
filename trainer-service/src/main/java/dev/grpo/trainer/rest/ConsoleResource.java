package dev.grpo.trainer.rest;

import dev.grpo.policy.train.LossVariant;
import dev.grpo.trainer.console.Lineage;
import dev.grpo.trainer.console.LineageAssembler;
import dev.grpo.trainer.console.Throughput;
import dev.grpo.trainer.messaging.FlowProbe;
import dev.grpo.trainer.messaging.RecordReader;
import dev.grpo.trainer.persistence.ConsoleStore;
import dev.grpo.trainer.rest.RunViews.RunView;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestStreamElementType;

/**
 * The console's data (the page itself is static, {@code META-INF/resources/console/}): the flow
 * (topics, consumer groups, groups in flight, staleness, dead letters, tokens/s), a live stream of
 * it over Server-Sent Events, and the sample browser with each group's lineage.
 */
@Path("/console/api")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "console")
public class ConsoleResource {
  /** Time between two events of the live stream. */
  public static final Duration STREAM_PERIOD = Duration.ofSeconds(1);

  private static final int TOKENS_WINDOW_STEPS = 5;

  private final FlowProbe probe;
  private final ConsoleStore store;
  private final RecordReader reader;
  private final RunService runs;

  public ConsoleResource(
      FlowProbe probe, ConsoleStore store, RecordReader reader, RunService runs) {
    this.probe = probe;
    this.store = store;
    this.reader = reader;
    this.runs = runs;
  }

  @GET
  @Path("flow")
  @Operation(
      summary = "Topics, consumer groups, groups in flight, staleness, dead letters, tokens/s")
  public Map<String, Object> flow() {
    var out = new LinkedHashMap<String, Object>();
    var snapshot = probe.latest();
    out.put("at", snapshot.at());
    out.put("topics", snapshot.topics());
    out.put("consumerGroups", snapshot.groups());
    out.put("brokerError", snapshot.error());
    var runViews = new java.util.ArrayList<Map<String, Object>>();
    for (RunView r : runs.list()) {
      var v = new LinkedHashMap<String, Object>();
      v.put("id", r.id());
      v.put("name", r.name());
      v.put("status", r.status());
      v.put("completedSteps", r.completedSteps());
      v.put("steps", r.steps());
      v.put("currentVersion", r.currentVersion());
      v.put("groups", r.groups());
      if ("RUNNING".equals(r.status()) || "PAUSED".equals(r.status()) || runViews.isEmpty()) {
        v.put("inFlightByVersion", store.inFlightByVersion(r.id()));
        v.put("stalenessOfTrained", store.stalenessOfTrained(r.id()));
        var points =
            runs.steps(r.id()).stream()
                .map(s -> new Throughput.StepPoint(s.createdAt(), s.tokens()))
                .toList();
        v.put("tokensPerSecond", Throughput.tokensPerSecond(points, TOKENS_WINDOW_STEPS));
      }
      runViews.add(v);
    }
    out.put("runs", runViews);
    out.put("deadLetters", store.deadLettersByStageAndReason());
    return out;
  }

  @GET
  @Path("stream")
  @Produces(MediaType.SERVER_SENT_EVENTS)
  @RestStreamElementType(MediaType.APPLICATION_JSON)
  @Operation(summary = "The flow, once a second, as Server-Sent Events")
  public Multi<Map<String, Object>> stream() {
    return Multi.createFrom()
        .ticks()
        .every(STREAM_PERIOD)
        .onOverflow()
        .drop()
        .emitOn(Infrastructure.getDefaultWorkerPool())
        .map(tick -> flow());
  }

  @GET
  @Path("deadletters")
  @Operation(summary = "The newest dead letters with stage, reason and group")
  public List<?> deadLetters(@QueryParam("limit") Integer limit) {
    return store.recentDeadLetters(limit == null ? 50 : Math.min(500, Math.max(1, limit)));
  }

  @GET
  @Path("groups")
  @Operation(summary = "The groups of a run's step, or those whose id contains q")
  public List<?> groups(
      @QueryParam("run") String runId,
      @QueryParam("step") Integer step,
      @QueryParam("q") String q) {
    if (q != null && !q.isBlank()) {
      return store.searchGroups(q.trim(), 50);
    }
    if (runId == null || step == null) {
      throw new jakarta.ws.rs.BadRequestException("give q, or run and step");
    }
    return store.groupsOfStep(runId, step);
  }

  @GET
  @Path("groups/{groupId}")
  @Operation(summary = "One group: prompt, completions, rewards, advantages and lineage")
  public Lineage group(@PathParam("groupId") String groupId) {
    var row =
        store
            .group(groupId)
            .orElseThrow(() -> new NotFoundException("group " + groupId + " not found"));
    boolean scaleByStd = true;
    try {
      scaleByStd = runs.get(row.runId()).config().loss().variant() != LossVariant.DR_GRPO;
    } catch (RuntimeException e) {
      // an unreadable run config leaves the GRPO default
    }
    return LineageAssembler.assemble(row, reader.read(store.records(groupId)), scaleByStd);
  }
}
