package dev.grpo.trainer.messaging;

import dev.grpo.contracts.DeadLetterWrites;
import dev.grpo.contracts.Topics;
import dev.grpo.policy.model.Devices;
import dev.grpo.policy.model.DjlOffline;
import dev.grpo.policy.model.TorchThreads;
import dev.grpo.rewardapi.CheckerRegistry;
import dev.grpo.rewards.GroupScorer;
import dev.grpo.rewards.ScoringLimits;
import dev.grpo.trainer.config.TrainerServiceConfig;
import dev.grpo.trainer.metrics.TrainerMetrics;
import dev.grpo.trainer.pacing.OffsetLedger;
import dev.grpo.trainer.persistence.RunStore;
import dev.grpo.trainer.run.RunSpec;
import dev.grpo.trainer.service.Evaluator;
import dev.grpo.trainer.service.FaultInjector;
import dev.grpo.trainer.service.FaultInjector.SimulatedCrash;
import dev.grpo.trainer.service.GroupTraces;
import dev.grpo.trainer.service.RunEnv;
import dev.grpo.trainer.service.TorchWorkers;
import dev.grpo.trainer.service.TrainingRuns;
import dev.grpo.trainer.tasks.TaskGenerators;
import dev.grpo.trainer.worker.WorkerClient;
import io.opentelemetry.api.trace.Tracer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * The training thread. One per trainer process: it owns the {@code grpo.scored} and {@code
 * grpo.dlq} consumers, the producer and every active run ({@link TrainingRuns}), and it applies
 * REST commands between polls, so no run state is ever touched by two threads. One turn: commands,
 * a poll of each consumer, a tick of every run, a commit of what is safe.
 *
 * <p>Offsets of {@code grpo.scored} are committed only up to the first record whose fate is not
 * durable yet (see {@link OffsetLedger}): a trained group becomes durable when the checkpoint that
 * contains it is recorded. On start it resumes every RUNNING or PAUSED run from its last
 * checkpoint.
 */
@ApplicationScoped
public class TrainerLoop {
  static {
    // DJL must never reach the network; set before any engine class loads on this JVM.
    DjlOffline.enable();
  }

  private static final Logger LOG = Logger.getLogger(TrainerLoop.class);

  /** The dead-letter consumer is polled between scored polls and must not add latency to them. */
  private static final Duration DEAD_LETTER_POLL = Duration.ofMillis(5);

  private final TrainerServiceConfig cfg;
  private final KafkaClients clients;
  private final RunStore store;
  private final TrainerMetrics metrics;
  private final TaskGenerators generators;
  private final GroupTraces traces;
  private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
  private volatile FaultInjector faults = FaultInjector.NONE;
  private volatile boolean running;

  /** Set when the thread is being killed: nothing may be committed any more. */
  private volatile boolean dying;

  private volatile Thread thread;
  private volatile Throwable lastCrash;
  private final DeadLetterWrites deadLetterWrites = new DeadLetterWrites();

  /** The active runs; made by the training thread when it starts and used only on it. */
  private TrainingRuns runs;

  public TrainerLoop(
      TrainerServiceConfig cfg,
      KafkaClients clients,
      RunStore store,
      TrainerMetrics metrics,
      TaskGenerators generators,
      Tracer tracer) {
    this.traces = new GroupTraces(tracer);
    this.cfg = cfg;
    this.clients = clients;
    this.store = store;
    this.metrics = metrics;
    this.generators = generators;
  }

  void onStart(@Observes StartupEvent ev) {
    TorchThreads.configure(cfg.torchThreads(), 1);
    if (cfg.autostart()) {
      start();
    }
  }

  void onStop(@Observes ShutdownEvent ev) {
    stop();
  }

  /** Starts the training thread (resuming runs from the database); no-op when it runs. */
  public synchronized void start() {
    if (thread != null && thread.isAlive()) {
      return;
    }
    running = true;
    dying = false;
    lastCrash = null;
    Thread t = new Thread(this::loop, "grpo-trainer-loop");
    t.setDaemon(true);
    thread = t;
    t.start();
  }

  /** Stops the training thread gracefully: commits what is safe and closes the clients. */
  public synchronized void stop() {
    running = false;
    Thread t = thread;
    if (t != null) {
      try {
        t.join(TimeUnit.MINUTES.toMillis(2));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Whether the training thread is alive. */
  public boolean isRunning() {
    Thread t = thread;
    return t != null && t.isAlive();
  }

  /**
   * Why the loop cannot take work, for health and a 503: null while it runs (or when it was never
   * asked to start, {@code grpo.trainer.autostart=false}).
   */
  public String downReason() {
    if (isRunning() || thread == null) {
      return null;
    }
    Throwable crash = lastCrash;
    return crash == null
        ? "the training loop has stopped"
        : "the training loop died: "
            + dev.grpo.contracts.DeadLetters.cleanReason(String.valueOf(crash));
  }

  /** The dead-letter writes of the loop, for the health check. */
  public DeadLetterWrites deadLetterWrites() {
    return deadLetterWrites;
  }

  /** Why the thread died, if it crashed. */
  public Throwable lastCrash() {
    return lastCrash;
  }

  /** Test hook: where to simulate a crash (see {@link FaultInjector}). */
  public void setFaultInjector(FaultInjector injector) {
    this.faults = injector == null ? FaultInjector.NONE : injector;
  }

  /**
   * Runs {@code action} on the training thread between polls and returns its result.
   *
   * @throws IllegalStateException when the training thread is not running
   */
  public <T> CompletableFuture<T> submit(Function<TrainingRuns, T> action) {
    if (!isRunning()) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("the training loop is not running"));
    }
    var future = new CompletableFuture<T>();
    commands.add(
        () -> {
          try {
            future.complete(action.apply(runs));
          } catch (SimulatedCrash e) {
            future.completeExceptionally(e);
            throw e;
          } catch (RuntimeException e) {
            future.completeExceptionally(e);
          }
        });
    return future;
  }

  /** Asks the loop to start a run that was just created in the database. */
  public void startRun(String runId, RunSpec spec) {
    commands.add(() -> runs.start(runId, spec));
  }

  private void loop() {
    boolean crashed = false;
    ExecutorService scoringPool = Executors.newFixedThreadPool(Math.max(1, cfg.evalThreads()));
    var ledger = new OffsetLedger<TopicPartition>();
    KafkaProducer<String, byte[]> producer = null;
    ScoredGroupConsumer scored = null;
    DeadLetterConsumer letters = null;
    try {
      producer = clients.producer();
      runs = new TrainingRuns(env(producer, ledger, scoringPool));
      var deadLetters = new DeadLetterPublisher(producer, deadLetterWrites);
      scored =
          new ScoredGroupConsumer(
              clients.scoredConsumer(cfg.maxPollRecords()),
              ledger,
              runs,
              deadLetters,
              () -> !dying);
      letters =
          new DeadLetterConsumer(
              clients.deadLetterConsumer(cfg.maxPollRecords()), runs, () -> !dying);
      runs.resume(store.resumableRuns());
      letters.subscribe();
      scored.subscribe();
      LOG.infof(
          "training loop started (%d runs resumed), consuming %s as %s",
          runs.size(), Topics.SCORED, KafkaClients.CONSUMER_GROUP);
      while (running) {
        Runnable command;
        while ((command = commands.poll()) != null) {
          command.run();
        }
        scored.poll(Duration.ofMillis(cfg.pollTimeoutMillis()));
        letters.poll(DEAD_LETTER_POLL);
        runs.tick();
        scored.commitSafe();
      }
    } catch (SimulatedCrash e) {
      crashed = true;
      dying = true;
      lastCrash = e;
      LOG.warnf("training loop killed (simulated crash): %s", e.getMessage());
    } catch (Throwable e) {
      crashed = true;
      dying = true;
      lastCrash = e;
      LOG.errorf(e, "training loop died");
    } finally {
      if (!crashed && scored != null) {
        scored.commitSafe();
      }
      // A killed process commits nothing and abandons unsent records: close without waiting.
      closeQuietly(scored);
      closeQuietly(letters);
      if (producer != null) {
        var p = producer;
        Duration grace = crashed ? Duration.ZERO : Duration.ofSeconds(10);
        closeQuietly(() -> p.close(grace));
      }
      if (runs != null) {
        runs.closeAll();
      }
      commands.clear();
      scoringPool.shutdownNow();
      running = false;
    }
  }

  private RunEnv env(
      KafkaProducer<String, byte[]> producer,
      OffsetLedger<TopicPartition> ledger,
      ExecutorService scoringPool) {
    var scorer =
        new GroupScorer(CheckerRegistry.fromServiceLoader(), scoringPool, ScoringLimits.DEFAULTS);
    return new RunEnv(
        store,
        new KafkaRunEvents(
            producer,
            clients.instanceId(),
            () -> clients.logReader("grpo-trainer-read-back-" + clients.instanceId(), 500)),
        metrics,
        new Evaluator(scorer, cfg.evalBatchSize()),
        generators,
        Path.of(cfg.checkpointsRoot()),
        Devices.parse(cfg.device()),
        ledger,
        (p, r, s) -> faults.at(p, r, s),
        Clock.systemUTC(),
        torchWorkers(cfg),
        traces);
  }

  private static TorchWorkers torchWorkers(TrainerServiceConfig t) {
    var d = WorkerClient.Timeouts.defaults();
    return new TorchWorkers(
        t.torchPython(),
        t.torchWorkerDir().map(Path::of).orElse(null),
        t.torchThreadsPerRank(),
        t.torchDevice(),
        Duration.ofSeconds(t.torchStartTimeoutSeconds()),
        new WorkerClient.Timeouts(
            d.health(),
            d.load(),
            Duration.ofSeconds(t.torchStepTimeoutSeconds()),
            d.save(),
            d.shutdown()));
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      LOG.debugf(e, "ignored while closing");
    }
  }
}
