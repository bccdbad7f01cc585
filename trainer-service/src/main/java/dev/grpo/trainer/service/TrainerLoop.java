package dev.grpo.trainer.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grpo.contracts.DeadLetter;
import dev.grpo.contracts.EventFormatException;
import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.ScoredGroup;
import dev.grpo.contracts.Topics;
import dev.grpo.policy.model.Devices;
import dev.grpo.policy.model.TorchThreads;
import dev.grpo.rewardapi.CheckerRegistry;
import dev.grpo.rewards.GroupScorer;
import dev.grpo.rewards.ScoringLimits;
import dev.grpo.trainer.config.TrainerServiceConfig;
import dev.grpo.trainer.messaging.DeadLetterPublisher;
import dev.grpo.trainer.messaging.KafkaClients;
import dev.grpo.trainer.metrics.TrainerMetrics;
import dev.grpo.trainer.pacing.OffsetLedger;
import dev.grpo.trainer.persistence.PromptGroupEntity;
import dev.grpo.trainer.persistence.RunEntity;
import dev.grpo.trainer.persistence.RunStore;
import dev.grpo.trainer.run.RunConfig;
import dev.grpo.trainer.run.RunStatus;
import dev.grpo.trainer.service.FaultInjector.SimulatedCrash;
import dev.grpo.trainer.tasks.TaskGenerators;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * The training thread. One per trainer process: it owns the {@code grpo.scored} consumer (group
 * {@value KafkaClients#CONSUMER_GROUP}), the producer and every active {@link RunController}, and
 * it applies REST commands between polls, so no run state is ever touched by two threads.
 *
 * <p>Offsets are committed only up to the first record whose fate is not durable yet (see {@link
 * OffsetLedger}): a trained group becomes durable when the checkpoint that contains it is recorded.
 * On start it resumes every RUNNING or PAUSED run from its last checkpoint.
 *
 * <p>It also reads {@code grpo.dlq} (group {@value KafkaClients#DEAD_LETTER_CONSUMER_GROUP}): a
 * dead letter keyed by a group that is still in flight means no stage will ever score that group,
 * so the group is dropped (reason {@link #deadLetterReason}) and its credit issues a replacement.
 */
@ApplicationScoped
public class TrainerLoop {
  static {
    // DJL must never reach the network; set before any engine class loads on this JVM.
    System.setProperty("ai.djl.offline", "true");
  }

  private static final Logger LOG = Logger.getLogger(TrainerLoop.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Prefix of the drop reason of a dead-lettered group; the stage follows (see {@link
   * #deadLetterReason}).
   */
  public static final String DEAD_LETTER = "dead_letter";

  /** Width of {@code prompt_group.drop_reason}. */
  private static final int MAX_DROP_REASON = 32;

  /** The dead-letter consumer is polled between scored polls and must not add latency to them. */
  private static final Duration DEAD_LETTER_POLL = Duration.ofMillis(5);

  private final TrainerServiceConfig cfg;
  private final KafkaClients clients;
  private final RunStore store;
  private final TrainerMetrics metrics;
  private final TaskGenerators generators;
  private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
  private final Map<String, RunController> controllers = new LinkedHashMap<>();
  private volatile FaultInjector faults = FaultInjector.NONE;
  private volatile boolean running;

  /** Set when the thread is being killed: nothing may be committed any more. */
  private volatile boolean dying;

  private volatile Thread thread;
  private volatile Throwable lastCrash;
  private ExecutorService scoringPool;

  public TrainerLoop(
      TrainerServiceConfig cfg,
      KafkaClients clients,
      RunStore store,
      TrainerMetrics metrics,
      TaskGenerators generators) {
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
  public <T> CompletableFuture<T> submit(Function<Map<String, RunController>, T> action) {
    if (!isRunning()) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("the training loop is not running"));
    }
    var future = new CompletableFuture<T>();
    commands.add(
        () -> {
          try {
            future.complete(action.apply(controllers));
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
  public void startRun(String runId, RunConfig config) {
    commands.add(
        () -> {
          try {
            controllers.put(runId, RunController.start(runId, config, env()));
          } catch (SimulatedCrash e) {
            throw e;
          } catch (RuntimeException e) {
            LOG.errorf(e, "run %s failed to start", runId);
            store.setStatus(runId, RunStatus.FAILED, "failed to start: " + e);
          }
        });
  }

  private KafkaConsumer<String, byte[]> consumer;
  private KafkaConsumer<String, byte[]> deadLetterConsumer;
  private KafkaProducer<String, byte[]> producer;
  private DeadLetterPublisher deadLetters;
  private OffsetLedger<TopicPartition> ledger;

  private RunController.Env env() {
    var scorer =
        new GroupScorer(CheckerRegistry.fromServiceLoader(), scoringPool, ScoringLimits.DEFAULTS);
    return new RunController.Env(
        store,
        producer,
        metrics,
        new Evaluator(scorer, cfg.evalBatchSize()),
        generators,
        Path.of(cfg.checkpointsRoot()),
        Devices.parse(cfg.device()),
        ledger,
        (p, r, s) -> faults.at(p, r, s));
  }

  private void loop() {
    boolean crashed = false;
    scoringPool = Executors.newFixedThreadPool(Math.max(1, cfg.evalThreads()));
    ledger = new OffsetLedger<>();
    try {
      producer = clients.producer();
      deadLetters = new DeadLetterPublisher(producer);
      consumer = clients.scoredConsumer(cfg.maxPollRecords());
      deadLetterConsumer = clients.deadLetterConsumer(cfg.maxPollRecords());
      resumeRuns();
      deadLetterConsumer.subscribe(List.of(Topics.DLQ));
      consumer.subscribe(
          List.of(Topics.SCORED),
          new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
              commitSafe();
              partitions.forEach(ledger::forget);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}
          });
      LOG.infof(
          "training loop started (%d runs resumed), consuming %s as %s",
          controllers.size(), Topics.SCORED, KafkaClients.CONSUMER_GROUP);
      while (running) {
        Runnable command;
        while ((command = commands.poll()) != null) {
          command.run();
        }
        for (ConsumerRecord<String, byte[]> r :
            consumer.poll(Duration.ofMillis(cfg.pollTimeoutMillis()))) {
          handle(r);
        }
        var letters = deadLetterConsumer.poll(DEAD_LETTER_POLL);
        for (ConsumerRecord<String, byte[]> r : letters) {
          handleDeadLetter(r);
        }
        if (!letters.isEmpty() && !dying) {
          // Every drop above is already in the database: the dead letters are decided.
          deadLetterConsumer.commitSync();
        }
        for (RunController c : List.copyOf(controllers.values())) {
          guarded(c, c::tick);
        }
        controllers
            .values()
            .removeIf(
                c -> {
                  if (c.status().terminal()) {
                    c.close();
                    return true;
                  }
                  return false;
                });
        commitSafe();
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
      if (!crashed) {
        commitSafe();
      }
      // A killed process commits nothing and abandons unsent records: close without waiting.
      closeQuietly(() -> consumer.close(Duration.ZERO));
      if (deadLetterConsumer != null) {
        closeQuietly(() -> deadLetterConsumer.close(Duration.ZERO));
      }
      Duration producerGrace = crashed ? Duration.ZERO : Duration.ofSeconds(10);
      closeQuietly(() -> producer.close(producerGrace));
      controllers.values().forEach(c -> closeQuietly(c::close));
      controllers.clear();
      commands.clear();
      scoringPool.shutdownNow();
      running = false;
    }
  }

  private void resumeRuns() {
    for (RunEntity r : store.resumableRuns()) {
      try {
        RunConfig config = JSON.readValue(r.config, RunConfig.class);
        controllers.put(
            r.id, RunController.resume(r.id, config, r.status, r.nextPromptIndex, env()));
      } catch (SimulatedCrash e) {
        throw e;
      } catch (Exception e) {
        LOG.errorf(e, "run %s cannot be resumed", r.id);
        store.setStatus(r.id, RunStatus.FAILED, "cannot resume: " + e);
      }
    }
  }

  private void handle(ConsumerRecord<String, byte[]> r) {
    var tp = new TopicPartition(r.topic(), r.partition());
    if (r.value() == null) {
      ledger.receivedSafe(tp, r.offset());
      return;
    }
    ScoredGroup g;
    try {
      g = EventJson.fromBytes(r.value(), ScoredGroup.class);
    } catch (EventFormatException e) {
      deadLetters.publish(r, "undecodable ScoredGroup: " + e.getMessage());
      ledger.receivedSafe(tp, r.offset());
      return;
    }
    RunController c = controllers.get(g.runId());
    if (c == null) {
      var run = store.run(g.runId());
      if (run.isEmpty()) {
        deadLetters.publish(r, "unknown run " + g.runId());
      } else {
        // The run has ended (or failed): the group is counted as dropped, never silently lost.
        var group = store.group(g.groupId());
        if (group.isPresent() && PromptGroupEntity.ISSUED.equals(group.get().state)) {
          String reason = "run_" + run.get().status.name().toLowerCase(java.util.Locale.ROOT);
          store.drop(g.groupId(), reason, g.rollout().policyVersion());
          metrics.dropped(g.runId(), reason);
        } else if (group.isEmpty()) {
          deadLetters.publish(r, "group " + g.groupId() + " was not issued by run " + g.runId());
        }
      }
      ledger.receivedSafe(tp, r.offset());
      return;
    }
    ledger.received(tp, r.offset(), g.groupId());
    try {
      c.onScored(g);
    } catch (RunController.UnusableGroupException e) {
      deadLetters.publish(r, e.getMessage());
    } catch (SimulatedCrash e) {
      throw e;
    } catch (RuntimeException e) {
      failRun(c, e);
    }
  }

  /**
   * Drops the group a dead letter is keyed by, if it is still in flight; ignores anything else (an
   * unknown key, a group already trained or dropped, a redelivered letter). A letter that cannot be
   * decoded is logged and skipped, never dead-lettered again (that would loop on grpo.dlq).
   */
  private void handleDeadLetter(ConsumerRecord<String, byte[]> r) {
    if (r.value() == null) {
      return;
    }
    DeadLetter letter;
    try {
      letter = EventJson.fromBytes(r.value(), DeadLetter.class);
    } catch (EventFormatException e) {
      LOG.warnf(
          "ignoring undecodable dead letter %s-%d@%d: %s",
          r.topic(), r.partition(), r.offset(), e.getMessage());
      return;
    }
    String groupId = r.key() != null ? r.key() : letter.key();
    if (groupId == null) {
      return;
    }
    var group = store.group(groupId);
    if (group.isEmpty() || !PromptGroupEntity.ISSUED.equals(group.get().state)) {
      LOG.debugf("dead letter for %s ignored: not an in-flight group", groupId);
      return;
    }
    String runId = group.get().runId;
    String reason = deadLetterReason(letter.stage());
    RunController c = controllers.get(runId);
    boolean dropped;
    if (c != null) {
      boolean[] out = new boolean[1];
      guarded(c, () -> out[0] = c.onDeadLetter(groupId, reason));
      dropped = out[0];
    } else {
      // The run has ended: the group is counted as dropped all the same, never left in flight.
      dropped = store.drop(groupId, reason, null);
      if (dropped) {
        metrics.dropped(runId, reason);
      }
    }
    if (dropped) {
      LOG.infof(
          "run %s dropped group %s: dead-lettered by %s (%s, %s-%d@%d): %s",
          runId,
          groupId,
          letter.stage(),
          reason,
          letter.sourceTopic(),
          letter.sourcePartition(),
          letter.sourceOffset(),
          letter.reason());
    }
  }

  /**
   * The drop reason of a group dead-lettered by {@code stage}: {@code dead_letter:<stage>}, with
   * the service name's {@code -service} suffix left out and cut to the column's 32 characters (e.g.
   * {@code rollout-service/generate} gives {@code dead_letter:rollout/generate}). The letter's own
   * reason is free text of any length, so it goes to the log line, not the database.
   */
  public static String deadLetterReason(String stage) {
    String s = stage.strip().replaceFirst("^([^/]+)-service(/|$)", "$1$2");
    String reason = DEAD_LETTER + ":" + s;
    return reason.length() <= MAX_DROP_REASON ? reason : reason.substring(0, MAX_DROP_REASON);
  }

  private void guarded(RunController c, Runnable action) {
    try {
      action.run();
    } catch (SimulatedCrash e) {
      throw e;
    } catch (RuntimeException e) {
      failRun(c, e);
    }
  }

  private void failRun(RunController c, RuntimeException e) {
    LOG.errorf(e, "run %s failed", c.runId());
    closeQuietly(() -> c.fail(String.valueOf(e)));
  }

  private void commitSafe() {
    if (dying || consumer == null || ledger == null) {
      return;
    }
    Map<TopicPartition, Long> positions = ledger.committable();
    if (positions.isEmpty()) {
      return;
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    positions.forEach((tp, pos) -> offsets.put(tp, new OffsetAndMetadata(pos)));
    consumer.commitSync(offsets);
    ledger.markCommitted(positions);
  }

  private static void closeQuietly(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      LOG.debugf(e, "ignored while closing");
    }
  }
}
