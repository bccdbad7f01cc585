package dev.grpo.e2e;

import dev.grpo.contracts.EventFormatException;
import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.RewardPart;
import dev.grpo.contracts.RewardSpec;
import dev.grpo.contracts.RolloutGroup;
import dev.grpo.contracts.ScoredGroup;
import dev.grpo.contracts.Topics;
import dev.grpo.rewardapi.CheckerRegistry;
import dev.grpo.rewardapi.RewardSpecValidator;
import dev.grpo.rewards.GroupScorer;
import dev.grpo.rewards.PartJoin;
import dev.grpo.rewards.PartJoin.PartScores;
import dev.grpo.rewards.ScoringLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * {@code ./grpo rescore --run RUN --spec new-spec.json [--kafka HOST:PORT] [--out FILE]}: re-reads
 * a run's groups from {@code grpo.rollouts}, their old scores from {@code grpo.scored} and their
 * parts from {@code grpo.reward-parts} (all read_committed, from the beginning to the current end),
 * scores every group with the new spec (built-ins here, external parts from the log: a part the log
 * does not hold scores 0 with a reason), and writes a {@link RescoreReport}. Reads only; never
 * touches training.
 */
public final class RescoreMain {
  private RescoreMain() {}

  public static void main(String[] args) throws Exception {
    String bootstrap = "127.0.0.1:9092";
    String runId = null;
    Path specFile = null;
    Path out = null;
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--kafka" -> bootstrap = require(value, "--kafka");
        case "--run" -> runId = require(value, "--run");
        case "--spec" -> specFile = Path.of(require(value, "--spec"));
        case "--out" -> out = Path.of(require(value, "--out"));
        default -> fail("unknown option " + args[i] + " (use --run, --spec, --kafka, --out)");
      }
      i++;
    }
    if (runId == null || specFile == null) {
      fail("usage: rescore --run RUN --spec new-spec.json [--kafka HOST:PORT] [--out FILE]");
    }
    RewardSpec spec;
    try {
      spec = EventJson.fromJson(Files.readString(specFile), RewardSpec.class);
    } catch (EventFormatException e) {
      fail(specFile + ": " + e.getMessage());
      return;
    }
    var registry = CheckerRegistry.fromServiceLoader();
    new RewardSpecValidator(registry).validate(spec);
    final String run = runId;

    var groups = new LinkedHashMap<String, RolloutGroup>();
    read(
        bootstrap,
        Topics.ROLLOUTS,
        (k, v) -> {
          var g = EventJson.fromBytes(v, RolloutGroup.class);
          if (run.equals(g.runId())) {
            groups.putIfAbsent(g.groupId(), g);
          }
        });
    var old = new HashMap<String, ScoredGroup>();
    read(
        bootstrap,
        Topics.SCORED,
        (k, v) -> {
          var s = EventJson.fromBytes(v, ScoredGroup.class);
          if (run.equals(s.runId())) {
            old.putIfAbsent(s.groupId(), s);
          }
        });
    var parts = new HashMap<String, Map<String, PartScores>>();
    read(
        bootstrap,
        Topics.REWARD_PARTS,
        (k, v) -> {
          var p = EventJson.fromBytes(v, RewardPart.class);
          if (run.equals(p.runId())) {
            parts
                .computeIfAbsent(p.groupId(), x -> new HashMap<>())
                .putIfAbsent(p.checker(), new PartScores(p.scores(), p.reasons()));
          }
        });

    var pool = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors());
    var scorer = new GroupScorer(registry, pool, ScoringLimits.DEFAULTS);
    var scoredGroups = new ArrayList<RescoreReport.Group>();
    try {
      for (var g : groups.values()) {
        var before = old.get(g.groupId());
        if (before == null) {
          continue; // dead-lettered or never scored: nothing to compare with
        }
        var texts =
            g.completions().stream()
                .map(c -> new GroupScorer.CompletionText(c.text(), c.length()))
                .toList();
        var builtIns = scorer.score(g.task().prompt(), texts, spec, g.task().verification());
        var logged = parts.getOrDefault(g.groupId(), Map.of());
        var joined = new HashMap<String, PartScores>();
        for (var p : spec.externalParts()) {
          var s = logged.get(p.name());
          joined.put(
              p.name(),
              s != null && PartJoin.problem(s, texts.size()) == null
                  ? s
                  : PartScores.zero(
                      texts.size(), "no part '" + p.name() + "' on grpo.reward-parts"));
        }
        scoredGroups.add(
            new RescoreReport.Group(
                g.groupId(), before.scores(), PartJoin.join(spec, builtIns, joined)));
      }
    } finally {
      pool.shutdownNow();
    }
    String md = new RescoreReport(scoredGroups).markdown(run, EventJson.toJson(spec));
    if (out == null) {
      out = Path.of("work", "reports", run, "rescore.md");
    }
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, md);
    System.out.print(md);
    System.out.println("\nreport: " + out.toAbsolutePath());
  }

  /** Reads {@code topic} from the beginning to its current end, read_committed. */
  static void read(String bootstrap, String topic, BiConsumer<String, byte[]> each) {
    var p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "grpo-rescore-" + UUID.randomUUID());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(4 * 1024 * 1024));
    try (var consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      var infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
      if (infos == null || infos.isEmpty()) {
        return;
      }
      List<TopicPartition> tps =
          infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      var end = consumer.endOffsets(tps);
      while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (var r : consumer.poll(Duration.ofMillis(500))) {
          if (r.value() == null) {
            continue;
          }
          try {
            each.accept(r.key(), r.value());
          } catch (EventFormatException e) {
            // Not an event of this contract (its stage dead-lettered it): not part of the report.
          }
        }
      }
    }
  }

  private static String require(String value, String option) {
    if (value == null) {
      fail(option + " needs a value");
    }
    return value;
  }

  private static void fail(String message) {
    System.err.println("rescore: " + message);
    System.exit(2);
  }
}
