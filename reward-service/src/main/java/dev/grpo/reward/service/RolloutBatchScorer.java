package dev.grpo.reward.service;

import dev.grpo.contracts.Contracts;
import dev.grpo.contracts.DeadLetter;
import dev.grpo.contracts.DeadLetters;
import dev.grpo.contracts.EventFormatException;
import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.RolloutGroup;
import dev.grpo.contracts.ScoredGroup;
import dev.grpo.contracts.SourceRecord;
import dev.grpo.reward.config.RewardConfig;
import dev.grpo.rewardapi.InvalidRewardSpecException;
import dev.grpo.rewards.GroupScorer;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Turns one batch of consumed {@code grpo.rollouts} records into what to publish: a {@link
 * ScoredGroup} per valid record, a {@link DeadLetter} per record that cannot be decoded, scored or
 * published. Never throws for bad input; the Kafka adapter only has to write the outcomes in one
 * transaction. Dead letters are built by the contract's {@link DeadLetters}, so each fits the
 * broker's default message limit whatever the record's size.
 *
 * <p>Groups of a batch are scored concurrently, at most {@code groupConcurrency} at once; each
 * group's completions run on the shared scoring pool. The batch size ({@code max.poll.records})
 * therefore bounds the work and memory in flight.
 */
@ApplicationScoped
public class RolloutBatchScorer {
  private static final Logger LOG = Logger.getLogger(RolloutBatchScorer.class);

  private final GroupScorer scorer;
  private final ExecutorService dispatcher;
  private final int maxRecordBytes;
  private final DeadLetters deadLetters;

  @Inject
  public RolloutBatchScorer(
      GroupScorer scorer,
      @Identifier(ScoringBeans.GROUP_DISPATCHER) ExecutorService dispatcher,
      RewardConfig config) {
    this(scorer, dispatcher, config.maxRecordBytes(), new DeadLetters());
  }

  /**
   * @param maxRecordBytes largest scored group to publish, {@code grpo.reward.max-record-bytes}
   * @param deadLetters builds the dead letters
   */
  RolloutBatchScorer(
      GroupScorer scorer, ExecutorService dispatcher, int maxRecordBytes, DeadLetters deadLetters) {
    this.scorer = scorer;
    this.dispatcher = dispatcher;
    this.maxRecordBytes = maxRecordBytes;
    this.deadLetters = deadLetters;
  }

  /** Scores every record of a batch; the result has one outcome per record, in batch order. */
  public List<ScoringOutcome> score(List<SourceRecord> batch) {
    var futures = new ArrayList<CompletableFuture<ScoringOutcome>>(batch.size());
    for (var record : batch) {
      futures.add(CompletableFuture.supplyAsync(() -> scoreOne(record), dispatcher));
    }
    var outcomes = new ArrayList<ScoringOutcome>(batch.size());
    for (int i = 0; i < futures.size(); i++) {
      try {
        outcomes.add(futures.get(i).join());
      } catch (RuntimeException e) {
        // scoreOne catches everything; this is a rejected or cancelled task (shutdown).
        throw new IllegalStateException(
            "scoring of " + describe(batch.get(i)) + " did not run: " + e, e);
      }
    }
    return outcomes;
  }

  /** Scores one record; every failure becomes a dead letter. */
  ScoringOutcome scoreOne(SourceRecord record) {
    if (record.value() == null) {
      return deadLetter(
          record,
          DeadLetters.REWARD_DECODE,
          "record has no value (tombstone); expected a RolloutGroup");
    }
    RolloutGroup group;
    try {
      group = EventJson.fromBytes(record.value(), RolloutGroup.class);
    } catch (EventFormatException e) {
      return deadLetter(record, DeadLetters.REWARD_DECODE, e.getMessage());
    }
    if (!group.task().rewardSpec().isBuiltInOnly()) {
      // One path per record: the join (its own consumer group) scores groups with external parts.
      return new ScoringOutcome.LeftToJoin(group.groupId());
    }
    try {
      long start = System.nanoTime();
      var task = group.task();
      var texts =
          group.completions().stream()
              .map(c -> new GroupScorer.CompletionText(c.text(), c.length()))
              .toList();
      var scores = scorer.score(task.prompt(), texts, task.rewardSpec(), task.verification());
      var scored =
          new ScoredGroup(
              Contracts.SCHEMA_VERSION,
              group.runId(),
              group.groupId(),
              group,
              scores,
              TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
      byte[] json = EventJson.toBytes(scored);
      if (json.length > maxRecordBytes) {
        return deadLetter(
            record,
            DeadLetters.REWARD_PUBLISH,
            "scored group is "
                + json.length
                + " bytes, over the record limit of "
                + maxRecordBytes
                + " bytes (grpo.reward.max-record-bytes)");
      }
      return new ScoringOutcome.Scored(
          record.key() != null ? record.keyText() : group.groupId(), scored, json);
    } catch (InvalidRewardSpecException e) {
      // Kafka carries the spec inside the task: name the field as it sits in the RolloutGroup.
      return deadLetter(record, DeadLetters.REWARD_SCORE, "task." + e.getMessage());
    } catch (RuntimeException e) {
      LOG.debugf(e, "scoring %s failed", describe(record));
      return deadLetter(record, DeadLetters.REWARD_SCORE, "scoring failed: " + e);
    }
  }

  private ScoringOutcome deadLetter(SourceRecord record, String stage, String reason) {
    var letter = deadLetters.letter(record, stage, reason);
    LOG.debugf("dead letter for %s: %s", describe(record), letter.envelope().reason());
    return new ScoringOutcome.DeadLettered(letter);
  }

  private static String describe(SourceRecord record) {
    return record.coordinates();
  }
}
