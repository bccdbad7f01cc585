package dev.grpo.trainer.messaging;

import dev.grpo.contracts.Topics;
import dev.grpo.trainer.console.FlowSnapshot;
import dev.grpo.trainer.console.GroupLag;
import dev.grpo.trainer.console.TopicRates;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Samples the broker every {@link #SAMPLE_MILLIS} with an {@link Admin} client: end offsets of
 * every {@code grpo.*} topic (produce rates), every consumer group's committed offsets (lag) and
 * members. The numbers feed the console and are exported as Prometheus gauges ({@code
 * grpo_kafka_topic_end_offset{topic}}, {@code grpo_kafka_topic_produce_rate{topic}}, {@code
 * grpo_kafka_consumer_group_lag{group,topic}}, {@code grpo_kafka_consumer_group_members{group}}),
 * so no separate lag exporter is needed.
 */
@ApplicationScoped
public class FlowProbe {
  /** Time between two samples of the broker. */
  public static final long SAMPLE_MILLIS = 2_000;

  /** The topics of contract v1, shown even before they exist. */
  public static final List<String> CONTRACT_TOPICS =
      List.of(
          Topics.PROMPTS,
          Topics.ROLLOUTS,
          Topics.SCORED,
          Topics.REWARD_PARTS,
          Topics.POLICY,
          Topics.STEPS,
          Topics.DLQ);

  private static final Logger LOG = Logger.getLogger(FlowProbe.class);

  private final String bootstrapServers;
  private final boolean enabled;
  private final MeterRegistry registry;
  private final TopicRates rates = new TopicRates(TopicRates.DEFAULT_WINDOW_MILLIS);
  private final AtomicReference<FlowSnapshot> latest =
      new AtomicReference<>(FlowSnapshot.empty("not sampled yet"));
  private final Map<String, AtomicLong> gaugeValues = new ConcurrentHashMap<>();
  private final Map<String, AtomicReference<Double>> rateGauges = new ConcurrentHashMap<>();
  private ScheduledExecutorService timer;
  private Admin admin;

  public FlowProbe(
      @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
      @ConfigProperty(name = "grpo.console.enabled", defaultValue = "true") boolean enabled,
      MeterRegistry registry) {
    this.bootstrapServers = bootstrapServers;
    this.enabled = enabled;
    this.registry = registry;
  }

  void onStart(@Observes StartupEvent ev) {
    if (!enabled) {
      return;
    }
    admin =
        Admin.create(
            Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                5_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                8_000,
                AdminClientConfig.CLIENT_ID_CONFIG,
                "grpo-trainer-console"));
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              var t = new Thread(r, "console-flow-probe");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(this::sampleQuietly, 0, SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
  }

  void onStop(@Observes ShutdownEvent ev) {
    if (timer != null) {
      timer.shutdownNow();
    }
    if (admin != null) {
      admin.close(java.time.Duration.ofSeconds(2));
    }
  }

  /** The newest sample. */
  public FlowSnapshot latest() {
    return latest.get();
  }

  private void sampleQuietly() {
    try {
      latest.set(sample());
    } catch (Exception e) {
      var previous = latest.get();
      String why = e.getClass().getSimpleName() + ": " + e.getMessage();
      LOG.debugf("flow sample failed: %s", why);
      latest.set(new FlowSnapshot(Instant.now(), previous.topics(), previous.groups(), why));
    }
  }

  private FlowSnapshot sample() throws Exception {
    var names = new TreeSet<String>(CONTRACT_TOPICS);
    for (String t : admin.listTopics().names().get(8, TimeUnit.SECONDS)) {
      if (t.startsWith("grpo.")) {
        names.add(t);
      }
    }
    Set<String> existing = new TreeSet<>(admin.listTopics().names().get(8, TimeUnit.SECONDS));
    existing.retainAll(names);
    var partitions = new HashMap<TopicPartition, OffsetSpec>();
    var partitionCount = new HashMap<String, Integer>();
    for (var d : admin.describeTopics(existing).allTopicNames().get(8, TimeUnit.SECONDS).values()) {
      partitionCount.put(d.name(), d.partitions().size());
      for (var p : d.partitions()) {
        partitions.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest());
      }
    }
    var ends = new HashMap<GroupLag.Partition, Long>();
    for (var e : admin.listOffsets(partitions).all().get(8, TimeUnit.SECONDS).entrySet()) {
      ends.put(
          new GroupLag.Partition(e.getKey().topic(), e.getKey().partition()),
          e.getValue().offset());
    }
    var endByTopic = new HashMap<String, Long>();
    for (String t : names) {
      endByTopic.put(t, 0L);
    }
    ends.forEach((p, o) -> endByTopic.merge(p.topic(), o, Long::sum));
    long now = System.currentTimeMillis();
    rates.add(now, endByTopic);
    var perSecond = rates.perSecond();
    var topics = new ArrayList<FlowSnapshot.TopicFlow>();
    for (String t : names) {
      double rate = perSecond.getOrDefault(t, 0.0);
      topics.add(
          new FlowSnapshot.TopicFlow(
              t, partitionCount.getOrDefault(t, 0), endByTopic.get(t), rate));
      gauge(
              "grpo.kafka.topic.end.offset",
              "end offset of the topic, summed over partitions",
              "topic",
              t,
              null)
          .set(endByTopic.get(t));
      rateGauge(t).set(rate);
    }
    var groups = new ArrayList<GroupLag.GroupFlow>();
    var ids = new ArrayList<String>();
    for (var g :
        admin.listGroups(ListGroupsOptions.forConsumerGroups()).all().get(8, TimeUnit.SECONDS)) {
      ids.add(g.groupId());
    }
    java.util.Collections.sort(ids);
    var descriptions = admin.describeConsumerGroups(ids).all().get(8, TimeUnit.SECONDS);
    for (String id : ids) {
      var committed = new HashMap<GroupLag.Partition, Long>();
      var offsets =
          admin
              .listConsumerGroupOffsets(id)
              .partitionsToOffsetAndMetadata()
              .get(8, TimeUnit.SECONDS);
      offsets.forEach(
          (tp, om) -> {
            if (om != null) {
              committed.put(new GroupLag.Partition(tp.topic(), tp.partition()), om.offset());
            }
          });
      var d = descriptions.get(id);
      var members = new ArrayList<GroupLag.Member>();
      var relevantEnds = new HashMap<GroupLag.Partition, Long>();
      for (var p : committed.keySet()) {
        relevantEnds.put(p, ends.getOrDefault(p, committed.get(p)));
      }
      if (d != null) {
        for (var m : d.members()) {
          var assigned = new ArrayList<String>();
          for (var tp : m.assignment().topicPartitions()) {
            assigned.add(tp.topic() + "-" + tp.partition());
            var p = new GroupLag.Partition(tp.topic(), tp.partition());
            relevantEnds.putIfAbsent(p, ends.getOrDefault(p, 0L));
          }
          java.util.Collections.sort(assigned);
          members.add(new GroupLag.Member(m.clientId(), m.host(), assigned));
        }
      }
      var lag = GroupLag.byTopic(relevantEnds, committed);
      String state = d == null ? "UNKNOWN" : String.valueOf(d.groupState());
      groups.add(new GroupLag.GroupFlow(id, state, lag, members));
      lag.forEach(
          (topic, value) ->
              gauge(
                      "grpo.kafka.consumer.group.lag",
                      "records not yet committed by the group",
                      "group",
                      id,
                      topic)
                  .set(value));
      gauge("grpo.kafka.consumer.group.members", "members of the consumer group", "group", id, null)
          .set(members.size());
    }
    return new FlowSnapshot(Instant.now(), topics, groups, null);
  }

  private AtomicLong gauge(
      String name, String description, String tag, String value, String topic) {
    String key = name + "|" + value + "|" + topic;
    return gaugeValues.computeIfAbsent(
        key,
        k -> {
          var holder = new AtomicLong();
          var b =
              Gauge.builder(name, holder, AtomicLong::get).description(description).tag(tag, value);
          if (topic != null) {
            b.tag("topic", topic);
          }
          b.register(registry);
          return holder;
        });
  }

  private AtomicReference<Double> rateGauge(String topic) {
    return rateGauges.computeIfAbsent(
        topic,
        t -> {
          var holder = new AtomicReference<>(0.0);
          Gauge.builder("grpo.kafka.topic.produce.rate", holder, AtomicReference::get)
              .description("records appended per second over the last 10 s")
              .tag("topic", t)
              .register(registry);
          return holder;
        });
  }
}
