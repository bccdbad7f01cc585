package dev.grpo.trainer.service;

import ai.djl.ndarray.NDArray;
import dev.grpo.policy.checkpoint.HfCheckpoint;
import dev.grpo.policy.checkpoint.SafeTensors;
import dev.grpo.policy.model.LlamaModel;
import dev.grpo.policy.tokenizer.Tokenizer;
import dev.grpo.policy.train.GrpoTrainerConfig;
import dev.grpo.policy.train.StepMetrics;
import dev.grpo.policy.train.TrainingGroup;
import dev.grpo.trainer.worker.WorkerClient;
import dev.grpo.trainer.worker.WorkerException;
import dev.grpo.trainer.worker.WorkerException.Kind;
import dev.grpo.trainer.worker.WorkerGroup;
import dev.grpo.trainer.worker.WorkerProtocol;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The {@code torch} backend: a group of PyTorch worker ranks ({@code trainer-worker/}) computes the
 * steps; this class launches them, speaks protocol {@value WorkerProtocol#VERSION} to rank 0, and
 * is their watchdog.
 *
 * <p>Watchdog: when a rank dies or the group breaks during a command (rank 0 unreachable, a
 * collective that failed or hit the 30 s process-group timeout), the step counts as not done; the
 * group is killed, started again from the last checkpoint (weights, optimizer and trainer state),
 * the batches trained since that checkpoint are replayed (the trainer draws no random numbers, so
 * the replay reproduces the same weights), and the command is retried. So nothing is lost and
 * nothing is trained twice. A command the worker refuses (a bad batch) is not retried; neither is a
 * group that fails {@value #MAX_RESTARTS_PER_COMMAND} restarts in a row.
 *
 * <p>The in-process policy (evaluation) is brought up to date by {@link #syncPolicy()}.
 */
final class TorchBackend implements TrainingBackend {
  private static final Logger LOG = Logger.getLogger(TorchBackend.class);

  /** Group restarts one command may use before the run fails. */
  static final int MAX_RESTARTS_PER_COMMAND = 3;

  private final String runId;
  private final LlamaModel model;
  private final Tokenizer tokenizer;
  private final GrpoTrainerConfig config;
  private final WorkerGroup.Spec spec;
  private final WorkerClient.Timeouts timeouts;
  private final Path staging;
  private final Path referenceDir;
  private final List<List<TrainingGroup>> sinceCheckpoint = new ArrayList<>();
  private Path lastCheckpoint;
  private boolean lastHasState;
  private WorkerGroup group;
  private int restarts;
  private long optimizerSteps;

  /**
   * Starts the group on the run's current policy.
   *
   * @param model the in-process policy (its weights are the start; {@link #syncPolicy} updates it)
   * @param reference the frozen reference of the KL term, or null
   * @throws WorkerException when the group cannot start (no Python, no torch, another protocol)
   */
  TorchBackend(
      String runId,
      LlamaModel model,
      Tokenizer tokenizer,
      LlamaModel reference,
      GrpoTrainerConfig config,
      WorkerGroup.Spec spec,
      WorkerClient.Timeouts timeouts) {
    this.runId = runId;
    this.model = model;
    this.tokenizer = tokenizer;
    this.config = config;
    this.spec = spec;
    this.timeouts = timeouts;
    try {
      this.staging = Files.createTempDirectory("grpo-torch-" + runId.replaceAll("[^\\w-]", "_"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the torch backend's staging directory", e);
    }
    this.lastCheckpoint = staging.resolve("initial");
    HfCheckpoint.save(lastCheckpoint, model, tokenizer, Map.of());
    if (reference != null) {
      this.referenceDir = staging.resolve("reference");
      HfCheckpoint.save(referenceDir, reference, tokenizer, Map.of());
    } else {
      this.referenceDir = null;
    }
    startGroup();
  }

  /** How many times the watchdog restarted the group. */
  int restarts() {
    return restarts;
  }

  /** The running group (tests kill its ranks). */
  WorkerGroup group() {
    return group;
  }

  private void startGroup() {
    // Before any rank starts: a loss option the worker lacks fails the run's start by its name.
    var workerConfig = WorkerProtocol.trainerConfig(config);
    Path logs = staging.resolve("logs-" + restarts);
    group = WorkerGroup.start(spec.withLogDir(logs), timeouts);
    var header = WorkerProtocol.json().createObjectNode();
    header.put("checkpointDir", lastCheckpoint.toString());
    if (lastHasState) {
      header.put("stateDir", lastCheckpoint.toString());
    }
    if (referenceDir != null) {
      header.put("referenceDir", referenceDir.toString());
    }
    header.put("model", "auto");
    header.put("device", spec.device());
    header.set("config", workerConfig);
    try {
      optimizerSteps = group.client().load(header).path("optimizerSteps").asLong();
    } catch (WorkerException e) {
      group.destroy();
      throw e;
    }
  }

  @Override
  public StepMetrics step(int step, List<TrainingGroup> batch) {
    StepMetrics m = guarded("step " + step, () -> group.client().step(batch));
    if (m.skippedUpdates() > 0 && m.optimizerSteps() == optimizerSteps) {
      LOG.warnf(
          "run %s step %d: non-finite gradient norm, update skipped; recomputing once",
          runId, step);
      m = guarded("step " + step, () -> group.client().step(batch));
    }
    sinceCheckpoint.add(List.copyOf(batch));
    optimizerSteps = m.optimizerSteps();
    return m;
  }

  @Override
  public void save(Path dir, Map<String, Consumer<Path>> extraFiles) {
    guarded(
        "save " + dir,
        () -> {
          HfCheckpoint.saveAtomically(
              dir,
              tmp -> {
                group.client().save(tmp);
                HfCheckpoint.writeDescription(tmp, model.config(), tokenizer, extraFiles);
              });
          return null;
        });
    lastCheckpoint = dir.toAbsolutePath();
    lastHasState = true;
    sinceCheckpoint.clear();
  }

  @Override
  public void loadState(Path dir) {
    lastCheckpoint = dir.toAbsolutePath();
    lastHasState = true;
    sinceCheckpoint.clear();
    group.destroy();
    startGroup();
  }

  /** Copies the workers' current weights into the in-process policy (before an evaluation). */
  @Override
  public void syncPolicy() {
    Path dir = staging.resolve("sync");
    Path weights;
    if (sinceCheckpoint.isEmpty()) {
      weights = lastCheckpoint.resolve(SafeTensors.SINGLE_FILE);
    } else {
      guarded(
          "sync weights",
          () -> {
            try {
              Files.createDirectories(dir);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
            group.client().save(dir);
            return null;
          });
      weights = dir.resolve(SafeTensors.SINGLE_FILE);
    }
    // The in-process parameters need no gradient here (the workers train): a plain copy.
    try (SafeTensors.Contents read = SafeTensors.read(weights)) {
      for (var e : model.parameters().entrySet()) {
        NDArray src = read.tensors().get(e.getKey());
        if (src == null) {
          throw new IllegalStateException(weights + " has no tensor " + e.getKey());
        }
        e.getValue().set(src.toDevice(e.getValue().getDevice(), false).toByteBuffer());
      }
    }
  }

  /** Runs a command; when the group breaks, restarts it from the last checkpoint and retries. */
  private <T> T guarded(String what, Supplier<T> command) {
    boolean restart = false;
    for (int attempt = 0; ; attempt++) {
      try {
        if (restart) {
          group.destroy();
          restarts++;
          startGroup();
          for (List<TrainingGroup> replay : sinceCheckpoint) {
            group.client().step(replay);
          }
        }
        var dead = group.deadRank();
        if (dead.isPresent()) {
          throw new WorkerException(Kind.GROUP_BROKEN, dead.get());
        }
        return command.get();
      } catch (WorkerException e) {
        if (e.kind() == Kind.REJECTED || e.kind() == Kind.PROTOCOL || e.kind() == Kind.SETUP) {
          throw e;
        }
        if (attempt >= MAX_RESTARTS_PER_COMMAND) {
          throw new WorkerException(
              e.kind(),
              "torch workers failed " + what + " after " + attempt + " restarts: " + e.getMessage(),
              e);
        }
        LOG.warnf(
            "run %s: torch worker group broke during %s (%s; %s); restarting it from %s and"
                + " replaying %d step(s)",
            runId,
            what,
            e.getMessage(),
            group.deadRank().orElse("no rank has exited"),
            lastCheckpoint,
            sinceCheckpoint.size());
        restart = true;
      }
    }
  }

  @Override
  public void close() {
    if (group != null) {
      group.close();
    }
    deleteQuietly(staging);
  }

  private static void deleteQuietly(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException ignored) {
      // a temporary directory: best effort
    }
  }
}
