package dev.grpo.trainer.service;

import dev.grpo.contracts.Contracts;
import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.PolicyRef;
import dev.grpo.contracts.PromptTask;
import dev.grpo.contracts.Topics;
import dev.grpo.trainer.metrics.TrainerMetrics;
import dev.grpo.trainer.pacing.CreditWindow;
import dev.grpo.trainer.persistence.GroupRecords;
import dev.grpo.trainer.persistence.GroupRecords.NewGroup;
import dev.grpo.trainer.persistence.PromptGroupEntity;
import dev.grpo.trainer.run.PolicyConfigs;
import dev.grpo.trainer.run.RunSpec;
import dev.grpo.trainer.tasks.PromptDataset;
import dev.grpo.trainer.tasks.TaskExample;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Future;
import org.jboss.logging.Logger;

/**
 * Issues the prompts of one run around its {@link CreditWindow}: while credits last and the run's
 * remaining steps still need groups, it takes the next prompt indices, records the groups (sent =
 * false) and the advanced prompt index, sends their {@link PromptTask}s, and marks them sent once
 * the broker has acknowledged every one. A crash between record and mark leaves rows with sent =
 * false; on resume, {@link #resend} sends those the log does not hold yet, under the same group
 * ids.
 */
final class PromptIssuer {
  private static final Logger LOG = Logger.getLogger(PromptIssuer.class);

  private final String runId;
  private final RunSpec spec;
  private final PromptDataset dataset;
  private final CreditWindow window;
  private final GroupRecords store;
  private final RunEvents events;
  private final TrainerMetrics metrics;
  private final Clock clock;
  private final GroupTraces traces;
  private final FaultInjector faults;
  private long nextPromptIndex;

  PromptIssuer(
      String runId,
      RunSpec spec,
      PromptDataset dataset,
      CreditWindow window,
      GroupRecords store,
      RunEvents events,
      TrainerMetrics metrics,
      Clock clock,
      GroupTraces traces,
      FaultInjector faults) {
    this.traces = traces;
    this.faults = faults;
    this.runId = runId;
    this.spec = spec;
    this.dataset = dataset;
    this.window = window;
    this.store = store;
    this.events = events;
    this.metrics = metrics;
    this.clock = clock;
  }

  /** The issuer of a run on the training loop's database, producer and meters. */
  static PromptIssuer of(
      String runId, RunSpec spec, PromptDataset dataset, CreditWindow window, RunEnv env) {
    return new PromptIssuer(
        runId,
        spec,
        dataset,
        window,
        env.store(),
        env.events(),
        env.metrics(),
        env.clock(),
        env.traces(),
        env.faults());
  }

  /** The id of the group issued for {@code promptIndex}: issued once per run. */
  static String groupId(String runId, long promptIndex) {
    return runId + "-g" + promptIndex;
  }

  /** The index of the next prompt to issue (part of the run's resumable state). */
  long nextPromptIndex() {
    return nextPromptIndex;
  }

  /** Continues a resumed run at {@code index}. */
  void restore(long index) {
    nextPromptIndex = index;
  }

  /**
   * Issues as many groups as credits allow and the run still needs after {@code completedSteps},
   * each naming {@code policy} (the latest published version) for its sampling. Returns how many.
   */
  int issue(int completedSteps, long currentVersion, PolicyRef policy) {
    long stillNeeded = (long) (spec.steps() - completedSteps) * spec.groupsPerStep();
    int n = (int) Math.max(0, Math.min(window.credits(), stillNeeded - window.inFlight()));
    if (n == 0) {
      return 0;
    }
    var groups = new ArrayList<NewGroup>(n);
    for (int i = 0; i < n; i++) {
      long index = nextPromptIndex + i;
      int forStep = completedSteps + 1 + (window.inFlight() + i) / spec.groupsPerStep();
      groups.add(
          new NewGroup(
              groupId(runId, index),
              dataset.train(index).promptId(),
              index,
              forStep,
              currentVersion));
    }
    // Record first, then send: a crash in between leaves rows with sent=false, re-sent on resume.
    store.issue(runId, groups, nextPromptIndex + n);
    nextPromptIndex += n;
    groups.forEach(g -> window.issue(g.groupId()));
    send(
        groups.stream()
            .map(g -> task(g.groupId(), g.promptIndex(), g.issuedForStep(), policy))
            .toList());
    metrics.issued(runId, n);
    return n;
  }

  /**
   * Sends again the tasks of groups that were recorded but not marked sent, except those the log
   * already holds (a crash after the broker's acknowledgement, before the mark), so that each task
   * is on {@code grpo.prompts} once; returns how many were sent. When the log cannot be read back,
   * all of them are sent: a second copy, which the trainer skips, beats a lost group.
   */
  int resend(List<PromptGroupEntity> inFlight, PolicyRef policy) {
    var unsent = inFlight.stream().filter(g -> !g.sent).toList();
    if (unsent.isEmpty()) {
      return 0;
    }
    Set<String> published = alreadyPublished(unsent);
    if (!published.isEmpty()) {
      store.markSent(List.copyOf(published));
      LOG.infof(
          "run %s: %d of %d unmarked tasks were already on %s, not sent again",
          runId, published.size(), unsent.size(), Topics.PROMPTS);
    }
    var toSend = unsent.stream().filter(g -> !published.contains(g.groupId)).toList();
    send(
        toSend.stream().map(g -> task(g.groupId, g.promptIndex, g.issuedForStep, policy)).toList());
    return toSend.size();
  }

  private Set<String> alreadyPublished(List<PromptGroupEntity> unsent) {
    Instant since = unsent.stream().map(g -> g.issuedAt).min(Instant::compareTo).orElseThrow();
    try {
      return events.published(Topics.PROMPTS, unsent.stream().map(g -> g.groupId).toList(), since);
    } catch (RuntimeException e) {
      LOG.warnf(
          e,
          "run %s: cannot read %s back; sending its %d unmarked tasks again (copies are skipped)",
          runId,
          Topics.PROMPTS,
          unsent.size());
      return Set.of();
    }
  }

  /** The task of one group: the training prompt at its index, with its own sampling seed. */
  PromptTask task(String groupId, long promptIndex, int issuedForStep, PolicyRef policy) {
    TaskExample ex = dataset.train(promptIndex);
    return new PromptTask(
        Contracts.SCHEMA_VERSION,
        runId,
        groupId,
        ex.promptId(),
        ex.prompt(),
        spec.groupSize(),
        PolicyConfigs.promptSampling(spec, promptIndex),
        spec.rewardSpec(),
        ex.verification(),
        issuedForStep,
        policy,
        clock.instant());
  }

  private void send(List<PromptTask> tasks) {
    var sent = new ArrayList<String>();
    var acks = new ArrayList<Future<?>>();
    tasks.forEach(
        t -> {
          // The group's trace starts here; the producer injects the current span's context.
          Span span = traces.issue(runId, t.groupId(), t.issuedForStep(), Topics.PROMPTS);
          try (Scope scope = span.makeCurrent()) {
            acks.add(events.send(Topics.PROMPTS, t.groupId(), EventJson.toBytes(t)));
          } finally {
            span.end();
          }
          sent.add(t.groupId());
        });
    if (sent.isEmpty()) {
      return;
    }
    RunEvents.awaitAll(acks, "PromptTask");
    faults.at(
        FaultInjector.Point.AFTER_PROMPTS_ACKNOWLEDGED, runId, (int) tasks.get(0).issuedForStep());
    store.markSent(sent);
  }
}
