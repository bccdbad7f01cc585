package dev.grpo.reward.join;

import dev.grpo.contracts.CheckerSpec;
import dev.grpo.contracts.CompletionScore;
import dev.grpo.contracts.DeadLetters;
import dev.grpo.contracts.RolloutGroup;
import dev.grpo.contracts.ScoredGroup;
import dev.grpo.contracts.Topics;
import dev.grpo.reward.config.RewardConfig;
import dev.grpo.reward.http.HttpScorerClient;
import dev.grpo.reward.service.RewardMetrics;
import dev.grpo.rewardapi.CheckerRegistry;
import dev.grpo.rewardapi.RewardSpecValidator;
import dev.grpo.rewards.GroupScorer;
import io.opentelemetry.api.trace.Tracer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;
import org.jboss.logging.Logger;

/**
 * The Kafka Streams topology of the join (started by the Quarkus extension with {@code
 * exactly_once_v2}, see application.properties): two sources, {@code grpo.rollouts} and {@code
 * grpo.reward-parts}, co-partitioned by groupId ({@link JoinTopics} checks the partition counts),
 * into one {@link PartJoinProcessor} per partition with four changelogged in-memory stores, and
 * three sinks: {@code grpo.scored}, {@code grpo.reward-parts} (HTTP parts) and {@code grpo.dlq}.
 * Memory is the groups in flight (the trainer's credit window), not the topic.
 */
@ApplicationScoped
public class PartJoinTopology {
  private static final Logger LOG = Logger.getLogger(PartJoinTopology.class);

  /** Changelog records carry whole rollout groups (up to 4 MiB); the broker default is 1 MiB. */
  static final Map<String, String> CHANGELOG_CONFIG = Map.of("max.message.bytes", "8388608");

  /** Builds the topology on the service's scorer, metrics and settings. */
  @Produces
  @Singleton // not a client proxy: Kafka Streams reads the Topology's fields directly
  public Topology topology(
      GroupScorer scorer,
      CheckerRegistry registry,
      RewardConfig config,
      RewardMetrics metrics,
      HttpParts http,
      Tracer tracer) {
    var validator = new RewardSpecValidator(registry);
    JoinScoring scoring =
        new JoinScoring() {
          @Override
          public void validate(RolloutGroup group) {
            validator.validate(group.task().rewardSpec());
          }

          @Override
          public List<CompletionScore> builtIns(RolloutGroup group) {
            var task = group.task();
            var texts =
                group.completions().stream()
                    .map(c -> new GroupScorer.CompletionText(c.text(), c.length()))
                    .toList();
            return scorer.score(task.prompt(), texts, task.rewardSpec(), task.verification());
          }

          @Override
          public HttpScorerClient.Result http(RolloutGroup group, CheckerSpec part) {
            return http.score(group, part);
          }
        };
    JoinEvents events =
        new JoinEvents() {
          @Override
          public void scored(ScoredGroup group) {
            metrics.groupScored("join", group.scores());
          }

          @Override
          public void deadLettered(String stage, String reason) {
            metrics.deadLetter(stage);
            LOG.infof("join dead-lettered a record (%s): %s", stage, reason);
          }

          @Override
          public void latePart() {
            metrics.latePart();
          }

          @Override
          public void partTimedOut(String checker) {
            metrics.partTimedOut(checker);
          }
        };
    var settings =
        new PartJoinProcessor.Settings(
            config.join().unknownGroupWaitMillis(),
            config.join().punctuateMillis(),
            config.maxRecordBytes());
    return build(
        scoring, events, new DeadLetters(), settings, new JoinTracing(tracer, config.instanceId()));
  }

  static Topology build(
      JoinScoring scoring,
      JoinEvents events,
      DeadLetters deadLetters,
      PartJoinProcessor.Settings settings) {
    return build(scoring, events, deadLetters, settings, JoinTracing.NONE);
  }

  static Topology build(
      JoinScoring scoring,
      JoinEvents events,
      DeadLetters deadLetters,
      PartJoinProcessor.Settings settings,
      JoinTracing tracing) {
    var t = new Topology();
    var bytesIn = new ByteArrayDeserializer();
    var bytesOut = new ByteArraySerializer();
    t.addSource("rollouts-source", bytesIn, bytesIn, Topics.ROLLOUTS);
    t.addSource("parts-source", bytesIn, bytesIn, Topics.REWARD_PARTS);
    t.addProcessor(
        "part-join",
        () -> new PartJoinProcessor(scoring, events, deadLetters, settings, tracing),
        "rollouts-source",
        "parts-source");
    for (String store :
        List.of(
            PartJoinProcessor.GROUPS_STORE,
            PartJoinProcessor.ROLLOUTS_STORE,
            PartJoinProcessor.EMITTED_STORE,
            PartJoinProcessor.EXPIRY_STORE)) {
      t.addStateStore(
          Stores.keyValueStoreBuilder(
                  Stores.inMemoryKeyValueStore(store), Serdes.String(), Serdes.ByteArray())
              .withLoggingEnabled(CHANGELOG_CONFIG),
          "part-join");
    }
    t.addSink(PartJoinProcessor.SCORED_SINK, Topics.SCORED, bytesOut, bytesOut, "part-join");
    t.addSink(PartJoinProcessor.PARTS_SINK, Topics.REWARD_PARTS, bytesOut, bytesOut, "part-join");
    t.addSink(PartJoinProcessor.DLQ_SINK, Topics.DLQ, bytesOut, bytesOut, "part-join");
    return t;
  }
}
