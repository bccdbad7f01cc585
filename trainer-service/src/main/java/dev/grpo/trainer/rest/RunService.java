package dev.grpo.trainer.rest;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grpo.rewardapi.CheckerRegistry;
import dev.grpo.trainer.config.TrainerServiceConfig;
import dev.grpo.trainer.messaging.TrainerLoop;
import dev.grpo.trainer.persistence.EvalResultEntity;
import dev.grpo.trainer.persistence.PolicyVersionEntity;
import dev.grpo.trainer.persistence.RunEntity;
import dev.grpo.trainer.persistence.RunStore;
import dev.grpo.trainer.persistence.TrainingStepEntity;
import dev.grpo.trainer.rest.RunViews.EvalView;
import dev.grpo.trainer.rest.RunViews.RunView;
import dev.grpo.trainer.rest.RunViews.StepView;
import dev.grpo.trainer.rest.RunViews.VersionView;
import dev.grpo.trainer.run.RunRequest;
import dev.grpo.trainer.run.RunSpec;
import dev.grpo.trainer.run.RunStatus;
import dev.grpo.trainer.run.RunValidator;
import dev.grpo.trainer.service.RunCommand;
import dev.grpo.trainer.tasks.TaskGenerators;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.NotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
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
  private final RunValidator validator;
  private final ObjectMapper json = new ObjectMapper();

  public RunService(
      RunStore store, TrainerLoop loop, TaskGenerators generators, TrainerServiceConfig cfg) {
    this.store = store;
    this.loop = loop;
    this.validator =
        new RunValidator(
            generators,
            CheckerRegistry.fromServiceLoader(),
            new RunSpec.TrainerSpec(
                RunSpec.TrainerBackend.parse(cfg.backend()), Math.max(1, cfg.torchWorkers())));
  }

  /**
   * Validates (400 on a broken rule), stores the run as RUNNING and hands it to the training loop.
   */
  public RunView create(RunRequest request) {
    RunSpec spec = validator.complete(request);
    String down = loop.downReason();
    if (down != null) {
      throw new LoopUnavailableException(down + "; no run can start until the trainer restarts");
    }
    String id = UUID.randomUUID().toString();
    store.createRun(id, spec);
    loop.startRun(id, spec);
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
  public RunView command(String id, RunCommand command) {
    String verb = command.name().toLowerCase(Locale.ROOT);
    RunEntity run =
        store.run(id).orElseThrow(() -> new NotFoundException("run " + id + " not found"));
    if (!command.allowedFrom().contains(run.status)) {
      throw new IllegalRunStateException(id, verb, run.status, command.allowedFrom());
    }
    try {
      loop.submit(
              runs -> {
                runs.apply(id, command);
                return null;
              })
          .get(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      throw new LoopUnavailableException(
          "cannot " + verb + " run " + id + ": " + e.getCause().getMessage());
    } catch (TimeoutException e) {
      throw new LoopUnavailableException(
          "the training loop did not take the "
              + verb
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
    RunSpec config = store.spec(r);
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
    private final RunStatus current;
    private final java.util.List<RunStatus> allowed;

    /** One wording for every state conflict: the run, the command, its state and the allowed. */
    public IllegalRunStateException(
        String runId, String verb, RunStatus current, java.util.List<RunStatus> allowed) {
      super(
          "run "
              + runId
              + " is "
              + current
              + "; "
              + verb
              + " needs a run that is "
              + (allowed.size() == 1 ? allowed.get(0) : "one of " + allowed));
      this.current = current;
      this.allowed = allowed;
    }

    /** The run's status now. */
    public RunStatus current() {
      return current;
    }

    /** The statuses the command needs. */
    public java.util.List<RunStatus> allowed() {
      return allowed;
    }
  }

  /** The training loop is down: a new run would never move (503). */
  public static final class LoopUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LoopUnavailableException(String message) {
      super(message);
    }
  }
}
