package dev.grpo.trainer.service;

import dev.grpo.contracts.ScoredGroup;
import dev.grpo.policy.train.TrainingGroup;
import dev.grpo.trainer.metrics.TrainerMetrics;
import dev.grpo.trainer.pacing.CreditWindow;
import dev.grpo.trainer.pacing.OffsetLedger;
import dev.grpo.trainer.persistence.GroupRecords;
import dev.grpo.trainer.persistence.PromptGroupEntity;
import dev.grpo.trainer.persistence.VersionRecords.GroupLedger;
import dev.grpo.trainer.run.RunSpec;
import dev.grpo.trainer.tasks.PromptDataset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * The decisions on each scored group of one run, and the buffer of usable groups waiting for their
 * step. A group is skipped when it is already decided or buffered (a redelivery: the first copy
 * decides); it is unusable (dropped, and dead-lettered by the caller) when it does not fit the
 * policy; it is dropped as {@link DropReason#STALE stale}, {@link DropReason#TOO_FEW_SCORED
 * too_few_scored} or, with dynamic sampling, {@link DropReason#ZERO_STD zero_std}; otherwise it
 * waits in the buffer. Every drop is recorded, frees the group's credit and makes its record safe
 * to commit.
 */
final class GroupIntake {
  /** A usable group waiting for its step. */
  record Pending(ScoredGroup group, TrainingGroup training) {}

  /** What became of an offered group. */
  enum Outcome {
    BUFFERED,
    DROPPED,
    SKIPPED
  }

  /** The run's rules for its groups. */
  record Rules(
      int groupsPerStep,
      int maxStaleness,
      boolean dynamicSampling,
      int vocabSize,
      int maxPositions,
      java.util.LinkedHashMap<String, Double> rewardWeights) {

    /** Rules without checker weights (no per-checker reward components are passed on). */
    Rules(
        int groupsPerStep,
        int maxStaleness,
        boolean dynamicSampling,
        int vocabSize,
        int maxPositions) {
      this(
          groupsPerStep,
          maxStaleness,
          dynamicSampling,
          vocabSize,
          maxPositions,
          new java.util.LinkedHashMap<>());
    }
  }

  private final String runId;
  private final Rules rules;
  private final CreditWindow window;
  private final GroupRecords store;
  private final OffsetLedger<?> ledger;
  private final TrainerMetrics metrics;
  private final LongFunction<int[]> promptTokens;
  private final GroupTraces traces;
  private final Map<String, Pending> buffer = new LinkedHashMap<>();

  /**
   * @param promptTokens the policy's token ids of the training prompt at an index
   */
  GroupIntake(
      String runId,
      Rules rules,
      CreditWindow window,
      GroupRecords store,
      OffsetLedger<?> ledger,
      TrainerMetrics metrics,
      LongFunction<int[]> promptTokens) {
    this(runId, rules, window, store, ledger, metrics, promptTokens, GroupTraces.NONE);
  }

  /**
   * @param promptTokens the policy's token ids of the training prompt at an index
   * @param traces where each drop ends its group's trace
   */
  GroupIntake(
      String runId,
      Rules rules,
      CreditWindow window,
      GroupRecords store,
      OffsetLedger<?> ledger,
      TrainerMetrics metrics,
      LongFunction<int[]> promptTokens,
      GroupTraces traces) {
    this.traces = traces;
    this.runId = runId;
    this.rules = rules;
    this.window = window;
    this.store = store;
    this.ledger = ledger;
    this.metrics = metrics;
    this.promptTokens = promptTokens;
  }

  /** The intake of a run on the training loop's database, ledger and meters. */
  static GroupIntake of(
      String runId,
      RunSpec spec,
      CreditWindow window,
      RunEnv env,
      RunPolicy policy,
      PromptDataset dataset) {
    var rules =
        new Rules(
            spec.groupsPerStep(),
            spec.maxStaleness(),
            spec.dynamicSampling(),
            policy.config().vocabSize(),
            policy.config().maxPositionEmbeddings(),
            ScoredGroups.weights(spec.rewardSpec()));
    return new GroupIntake(
        runId,
        rules,
        window,
        env.store(),
        env.ledger(),
        env.metrics(),
        i -> policy.promptTokens(dataset.train(i).prompt()),
        env.traces());
  }

  /**
   * Decides on a scored group of this run at trainer version {@code currentVersion}.
   *
   * @throws UnusableGroupException when the run never issued it, or it does not fit the policy
   *     (then it is dropped as {@link DropReason#UNUSABLE})
   */
  Outcome offer(ScoredGroup g, long currentVersion) {
    var row = store.group(g.groupId());
    if (row.isEmpty()) {
      throw new UnusableGroupException(
          "group " + g.groupId() + " was not issued by run " + runId, StrayGroup.UNKNOWN_GROUP);
    }
    boolean decided = !PromptGroupEntity.ISSUED.equals(row.get().state);
    if (decided || buffer.containsKey(g.groupId())) {
      // A drop is durable once written (a rollback keeps drops), so the copy and the original are
      // safe now. TRAINED is written with the step, before the checkpoint that makes it durable:
      // the checkpoint's save marks the group safe (RunCheckpointer.save), not this copy, or the
      // commit could pass the original and a crash before the checkpoint would roll the group back
      // to ISSUED with no record left to read it again.
      if (decided && !PromptGroupEntity.TRAINED.equals(row.get().state)) {
        ledger.safe(g.groupId());
      }
      return Outcome.SKIPPED;
    }
    int[] promptIds = promptTokens.apply(row.get().promptIndex);
    long version = g.rollout().policyVersion();
    var problem =
        ScoredGroups.unusable(g, rules.vocabSize(), promptIds.length, rules.maxPositions());
    if (problem.isPresent()) {
      drop(g.groupId(), DropReason.UNUSABLE, version);
      throw new UnusableGroupException(problem.get());
    }
    if (isStale(g, currentVersion)) {
      drop(g.groupId(), DropReason.STALE, version);
      return Outcome.DROPPED;
    }
    List<Integer> counted = ScoredGroups.scoredIndices(g);
    if (counted.size() < 2) {
      drop(g.groupId(), DropReason.TOO_FEW_SCORED, version);
      return Outcome.DROPPED;
    }
    if (rules.dynamicSampling() && ScoredGroups.allEqual(g, counted)) {
      drop(g.groupId(), DropReason.ZERO_STD, version);
      return Outcome.DROPPED;
    }
    buffer.put(
        g.groupId(),
        new Pending(g, ScoredGroups.toTrainingGroup(g, promptIds, counted, rules.rewardWeights())));
    return Outcome.BUFFERED;
  }

  /**
   * A stage dead-lettered {@code groupId}: it will never be scored, so it is dropped with {@code
   * reason} and its credit returns. Returns false, changing nothing, when the group is not in
   * flight (already trained or dropped, or not this run's) or when a usable ScoredGroup of it is
   * already buffered (the dead letter is about another copy of a group that was scored after all).
   */
  boolean dropDeadLettered(String groupId, String reason) {
    if (!window.isInFlight(groupId) || buffer.containsKey(groupId)) {
      return false;
    }
    if (!store.drop(groupId, reason, null)) {
      return false;
    }
    window.dropped(groupId);
    ledger.safe(groupId);
    metrics.dropped(runId, reason);
    traces.dropped(runId, groupId, reason);
    return true;
  }

  /**
   * Whether a step can be trained at {@code currentVersion}: groups that went stale while buffered
   * (a new version was published) are dropped first, before the batch forms.
   */
  boolean readyForStep(long currentVersion) {
    for (var it = buffer.values().iterator(); it.hasNext(); ) {
      Pending p = it.next();
      if (isStale(p.group(), currentVersion)) {
        it.remove();
        drop(p.group().groupId(), DropReason.STALE, p.group().rollout().policyVersion());
      }
    }
    return buffer.size() >= rules.groupsPerStep();
  }

  /**
   * The oldest {@code groupsPerStep} buffered groups, in groupId order so that a step's sums do not
   * depend on arrival order; they stay buffered until trained.
   */
  List<Pending> nextBatch() {
    var batch = new ArrayList<>(new ArrayList<>(buffer.values()).subList(0, rules.groupsPerStep()));
    batch.sort(Comparator.comparing(p -> p.group().groupId(), GROUP_ID_ORDER));
    return List.copyOf(batch);
  }

  /**
   * A run's groupIds differ only in their prompt-index suffix ({@link PromptIssuer#groupId}), so
   * shorter first, then text, is prompt-index order.
   */
  static final Comparator<String> GROUP_ID_ORDER =
      Comparator.comparingInt(String::length).thenComparing(Comparator.naturalOrder());

  /** The batch was trained and recorded: its groups leave the buffer and free their credits. */
  void trained(Collection<Pending> batch) {
    for (Pending p : batch) {
      buffer.remove(p.group().groupId());
      window.trained(p.group().groupId());
    }
  }

  /** Rebuilds the window after a restart; decided groups are safe to commit. */
  void restore(GroupLedger groups) {
    window.restore(groups.inFlight().stream().map(g -> g.groupId).toList(), groups.decided());
    groups.decided().forEach(ledger::safe);
  }

  /**
   * The run has ended: every buffered group that will never be trained is dropped as {@code
   * reason}, so that its records become safe to commit.
   */
  void dropBuffered(String reason) {
    for (Pending p : List.copyOf(buffer.values())) {
      buffer.remove(p.group().groupId());
      drop(p.group().groupId(), reason, p.group().rollout().policyVersion());
    }
  }

  /** Groups in flight (issued, neither trained nor dropped). */
  int inFlight() {
    return window.inFlight();
  }

  /** Groups waiting in the buffer. */
  int buffered() {
    return buffer.size();
  }

  private boolean isStale(ScoredGroup g, long currentVersion) {
    return currentVersion - g.rollout().policyVersion() > rules.maxStaleness();
  }

  private void drop(String groupId, String reason, long rolloutVersion) {
    store.drop(groupId, reason, rolloutVersion);
    window.dropped(groupId);
    ledger.safe(groupId);
    metrics.dropped(runId, reason);
    traces.dropped(runId, groupId, reason);
  }
}
