package dev.grpo.trainer.console;

import dev.grpo.contracts.Completion;
import dev.grpo.contracts.DeadLetter;
import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.ProducerHeader;
import dev.grpo.contracts.PromptTask;
import dev.grpo.contracts.RolloutGroup;
import dev.grpo.contracts.ScoredGroup;
import dev.grpo.contracts.Topics;
import dev.grpo.policy.train.GroupAdvantages;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Builds a group's {@link Lineage} from its database row and its records read back from the topics.
 * The database holds only the index; prompt, completions, rewards and dead-letter reasons come from
 * the log, and a record that retention removed is named as such.
 */
public final class LineageAssembler {
  /** Header a producer may set to name the instance that wrote the record. */
  public static final String PRODUCER_HEADER = ProducerHeader.NAME;

  private LineageAssembler() {}

  /**
   * @param scaleByStd whether advantages are divided by the group's std (all loss variants but Dr.
   *     GRPO), as the trainer computed them
   */
  public static Lineage assemble(GroupRow row, List<ReadBack> records, boolean scaleByStd) {
    PromptTask task = null;
    RolloutGroup rollout = null;
    ScoredGroup scored = null;
    String scoredProducer = null;
    java.time.Instant rolloutAt = null;
    java.time.Instant scoredAt = null;
    var letters = new ArrayList<Lineage.DeadLetterView>();
    var views = new ArrayList<Lineage.RecordView>();
    for (var r : records) {
      var ref = r.ref();
      String status;
      if (r instanceof ReadBack.Found f) {
        {
          status = "read";
          try {
            switch (ref.topic()) {
              case Topics.PROMPTS -> task = EventJson.fromBytes(f.value(), PromptTask.class);
              case Topics.ROLLOUTS -> {
                rollout = EventJson.fromBytes(f.value(), RolloutGroup.class);
                rolloutAt = ref.timestamp();
              }
              case Topics.SCORED -> {
                scored = EventJson.fromBytes(f.value(), ScoredGroup.class);
                scoredAt = ref.timestamp();
                scoredProducer = f.headers().getOrDefault(PRODUCER_HEADER, ref.producer());
              }
              case Topics.DLQ -> {
                var d = EventJson.fromBytes(f.value(), DeadLetter.class);
                letters.add(
                    new Lineage.DeadLetterView(
                        d.stage(),
                        d.reason(),
                        d.sourceTopic(),
                        d.sourcePartition(),
                        d.sourceOffset()));
              }
              default -> {}
            }
          } catch (RuntimeException e) {
            status = "not a valid event: " + e.getMessage();
            if (Topics.DLQ.equals(ref.topic())) {
              letters.add(new Lineage.DeadLetterView(ref.stage(), ref.reason(), null, -1, -1));
            }
          }
        }
      } else if (r instanceof ReadBack.Removed gone) {
        if (Topics.SCORED.equals(ref.topic())) {
          scoredProducer = ref.producer(); // the index keeps it; the record is gone
          scoredAt = ref.timestamp();
        }
        status = "removed by retention (log starts at offset " + gone.logStartOffset() + ")";
        if (Topics.DLQ.equals(ref.topic())) {
          letters.add(new Lineage.DeadLetterView(ref.stage(), ref.reason(), null, -1, -1));
        }
      } else {
        status = "unreadable: " + ((ReadBack.Unreadable) r).why();
      }
      views.add(
          new Lineage.RecordView(
              ref.topic(), ref.partition(), ref.offset(), ref.timestamp(), status));
    }
    if (rollout == null && scored != null) {
      rollout = scored.rollout();
    }
    if (task == null && rollout != null) {
      task = rollout.task();
    }
    var issued =
        new Lineage.Issued(
            row.issuedForStep(),
            row.issuedVersion(),
            row.issuedAt(),
            task == null ? null : task.groupSize());
    var generated =
        rollout == null
            ? new Lineage.Generated(null, row.rolloutVersion(), null, null)
            : new Lineage.Generated(
                rollout.workerId(),
                rollout.policyVersion(),
                rolloutAt != null ? rolloutAt : rollout.createdAt(),
                rollout.timings() == null ? null : rollout.timings().generationMillis());
    var parts = new TreeSet<String>();
    if (scored != null) {
      for (var s : scored.scores()) {
        if (s.components() != null) {
          parts.addAll(s.components().keySet());
        }
      }
    }
    var scoredView =
        scored == null
            ? (scoredAt == null
                // The scored record is gone (retention): when and by whom, from the index.
                ? null
                : new Lineage.Scored(List.of(), null, scoredAt, scoredProducer))
            : new Lineage.Scored(
                List.copyOf(parts), scored.scoringMillis(), scoredAt, scoredProducer);
    var outcome =
        new Lineage.Outcome(row.state(), row.trainedStep(), row.dropReason(), row.decidedAt());
    return new Lineage(
        row,
        task == null ? null : task.prompt(),
        issued,
        generated,
        scoredView,
        outcome,
        completions(rollout, scored, scaleByStd),
        letters,
        views);
  }

  private static List<Lineage.CompletionView> completions(
      RolloutGroup rollout, ScoredGroup scored, boolean scaleByStd) {
    if (rollout == null) {
      return List.of();
    }
    double[] advantages = null;
    if (scored != null) {
      double[] rewards = scored.scores().stream().mapToDouble(s -> s.total()).toArray();
      advantages = GroupAdvantages.compute(rewards, scaleByStd);
    }
    var out = new ArrayList<Lineage.CompletionView>();
    for (Completion c : rollout.completions()) {
      var s = scored == null ? null : scored.scores().get(c.index());
      out.add(
          new Lineage.CompletionView(
              c.index(),
              c.text(),
              c.finishReason() == null ? null : c.finishReason().name().toLowerCase(),
              c.tokenIds() == null ? 0 : c.tokenIds().length,
              s == null ? null : s.total(),
              s == null ? null : s.components(),
              s == null ? null : s.reasons(),
              s != null && s.skipped(),
              advantages == null ? null : advantages[c.index()]));
    }
    return out;
  }
}
