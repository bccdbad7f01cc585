package dev.grpo.trainer.rest;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grpo.rewardapi.CheckerRegistry;
import dev.grpo.trainer.persistence.EvalResultEntity;
import dev.grpo.trainer.persistence.PolicyVersionEntity;
import dev.grpo.trainer.persistence.RunEntity;
import dev.grpo.trainer.persistence.RunStore;
import dev.grpo.trainer.persistence.TrainingStepEntity;
import dev.grpo.trainer.rest.RunViews.EvalView;
import dev.grpo.trainer.rest.RunViews.RunView;
import dev.grpo.trainer.rest.RunViews.StepView;
import dev.grpo.trainer.rest.RunViews.VersionView;
import dev.grpo.trainer.run.RunConfig;
import dev.grpo.trainer.run.RunConfigValidator;
import dev.grpo.trainer.run.RunStatus;
import dev.grpo.trainer.service.RunController;
import dev.grpo.trainer.service.TrainerLoop;
import dev.grpo.trainer.tasks.TaskGenerators;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.NotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What the REST resource does: validate and create runs, send commands to the training loop, read
 * views.
 */
@ApplicationScoped
public class RunService {
  /**
   * How long a pause/resume/stop waits for the training thread (it applies commands between steps).
   */
  static final long COMMAND_TIMEOUT_SECONDS = 120;

  private final RunStore store;
  private final TrainerLoop loop;
  private final RunConfigValidator validator;
  private final ObjectMapper json = new ObjectMapper();

  public RunService(RunStore store, TrainerLoop loop, TaskGenerators generators) {
    this.store = store;
    this.loop = loop;
    this.validator = new RunConfigValidator(generators, CheckerRegistry.fromServiceLoader());
  }

  /**
   * Validates (400 on a broken rule), stores the run as RUNNING and hands it to the training loop.
   */
  public RunView create(RunConfig config) {
    RunConfig complete = validator.complete(config);
    String id = UUID.randomUUID().toString();
    try {
      store.createRun(id, complete.name(), json.writeValueAsString(complete));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    loop.startRun(id, complete);
    return get(id);
  }

  public List<RunView> list() {
    List<RunEntity> runs =
        QuarkusTransaction.requiringNew()
            .call(() -> RunEntity.<RunEntity>list("order by createdAt"));
    return runs.stream().map(this::view).toList();
  }

  public RunView get(String id) {
    return view(store.run(id).orElseThrow(() -> new NotFoundException("run " + id + " not found")));
  }

  /** Applies pause / resume / stop on the training thread. */
  public RunView command(String id, String command) {
    RunEntity run =
        store.run(id).orElseThrow(() -> new NotFoundException("run " + id + " not found"));
    if (run.status.terminal()) {
      throw new IllegalRunStateException(
          "run " + id + " is " + run.status + "; " + command + " needs RUNNING or PAUSED");
    }
    if (command.equals("pause") && run.status != RunStatus.RUNNING
        || command.equals("resume") && run.status != RunStatus.PAUSED) {
      throw new IllegalRunStateException(
          "run "
              + id
              + " is "
              + run.status
              + "; "
              + command
              + " needs "
              + (command.equals("pause") ? "RUNNING" : "PAUSED"));
    }
    try {
      loop.submit(
              controllers -> {
                RunController c = controllers.get(id);
                if (c == null) {
                  // Not (yet) active in this process, e.g. still queued to start: record the wish
                  // directly.
                  store.setStatus(
                      id,
                      switch (command) {
                        case "pause" -> RunStatus.PAUSED;
                        case "resume" -> RunStatus.RUNNING;
                        default -> RunStatus.STOPPED;
                      },
                      null);
                  return null;
                }
                switch (command) {
                  case "pause" -> c.pause();
                  case "resume" -> c.resume();
                  default -> c.stop();
                }
                return null;
              })
          .get(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      throw new IllegalRunStateException(
          "cannot " + command + " run " + id + ": " + e.getCause().getMessage());
    } catch (TimeoutException e) {
      throw new IllegalRunStateException(
          "the training loop did not take the "
              + command
              + " command within "
              + COMMAND_TIMEOUT_SECONDS
              + " s");
    }
    return get(id);
  }

  public List<StepView> steps(String id) {
    get(id);
    List<TrainingStepEntity> rows =
        QuarkusTransaction.requiringNew().call(() -> TrainingStepEntity.ofRun(id));
    return rows.stream()
        .map(
            s ->
                new StepView(
                    s.step,
                    s.policyVersion,
                    s.loss,
                    s.rewardMean,
                    s.rewardStd,
                    s.kl,
                    s.clipFracLow,
                    s.clipFracHigh,
                    s.entropy,
                    s.gradNorm,
                    s.learningRate,
                    s.tokens,
                    s.groups,
                    s.stalenessMean,
                    s.waitMillis,
                    s.computeMillis,
                    s.checkpointMillis,
                    parseMetrics(s.metrics),
                    s.createdAt))
        .toList();
  }

  public List<VersionView> versions(String id) {
    get(id);
    List<PolicyVersionEntity> rows =
        QuarkusTransaction.requiringNew().call(() -> PolicyVersionEntity.ofRun(id));
    return rows.stream()
        .map(v -> new VersionView(v.version, v.step, v.checkpointUri, v.sha256, v.createdAt))
        .toList();
  }

  public List<EvalView> evals(String id) {
    get(id);
    List<EvalResultEntity> rows =
        QuarkusTransaction.requiringNew().call(() -> EvalResultEntity.ofRun(id));
    return rows.stream()
        .map(e -> new EvalView(e.step, e.checker, e.accuracy, e.examples, e.createdAt))
        .toList();
  }

  private RunView view(RunEntity r) {
    RunConfig config;
    try {
      config = json.readValue(r.config, RunConfig.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new RunView(
        r.id,
        r.name,
        r.status.name(),
        r.completedSteps,
        config.steps(),
        r.currentVersion,
        r.checkpointStep,
        r.error,
        r.createdAt,
        r.updatedAt,
        store.accounting(r.id),
        config);
  }

  private Map<String, Double> parseMetrics(String s) {
    try {
      return json.readValue(s, new TypeReference<Map<String, Double>>() {});
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A command that the run's state does not allow (409). */
  public static final class IllegalRunStateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public IllegalRunStateException(String message) {
      super(message);
    }
  }
}
