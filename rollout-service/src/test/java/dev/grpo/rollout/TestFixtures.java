package dev.grpo.rollout;

import ai.djl.Device;
import dev.grpo.contracts.CheckerSpec;
import dev.grpo.contracts.Contracts;
import dev.grpo.contracts.DeadLetter;
import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.PolicyRef;
import dev.grpo.contracts.PolicyVersion;
import dev.grpo.contracts.PromptTask;
import dev.grpo.contracts.RewardSpec;
import dev.grpo.contracts.RolloutGroup;
import dev.grpo.contracts.SamplingParams;
import dev.grpo.contracts.Topics;
import dev.grpo.localinfra.SharedTestInfrastructure;
import dev.grpo.policy.checkpoint.HfCheckpoint;
import dev.grpo.policy.model.LlamaModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.tokenizer.CharTokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Tiny checkpoints, tasks, and plain clients for the tests. */
final class TestFixtures {
  /** 2 layers, width 32, 100-token character vocabulary, 64 positions: milliseconds per token. */
  static final ModelConfig TINY =
      ModelConfig.llama(CharTokenizer.printableAscii().vocabSize(), 32, 64, 2, 4, 2, 64);

  static final Path CHECKPOINTS = Path.of("target", "test-checkpoints").toAbsolutePath();

  private TestFixtures() {}

  /** Writes a random-init checkpoint and returns its directory. */
  static Path checkpoint(String name, ModelConfig cfg, long seed) {
    Path dir = CHECKPOINTS.resolve(name + "-" + UUID.randomUUID());
    try (LlamaModel m = LlamaModel.randomInit(cfg, Device.cpu(), seed)) {
      HfCheckpoint.save(dir, m, CharTokenizer.printableAscii(), Map.of());
    }
    return dir;
  }

  static PolicyRef ref(long version, Path dir) {
    return new PolicyRef(version, dir.toUri().toString(), HfCheckpoint.sha256(dir));
  }

  static PromptTask task(String runId, String prompt, int g, SamplingParams sp, PolicyRef ref) {
    return new PromptTask(
        Contracts.SCHEMA_VERSION,
        runId,
        "g-" + UUID.randomUUID(),
        "p-1",
        prompt,
        g,
        sp,
        new RewardSpec(List.of(new CheckerSpec("exact_match", 1.0, Map.of()))),
        Map.of("answer", "42"),
        0,
        ref,
        Instant.now());
  }

  static SamplingParams sampling(int maxNewTokens, long seed) {
    return new SamplingParams(0.9, 1.0, 0, maxNewTokens, List.of(), seed);
  }

  static org.apache.kafka.clients.admin.Admin admin() {
    Properties p = new Properties();
    p.put("bootstrap.servers", SharedTestInfrastructure.kafka().bootstrapServers());
    return org.apache.kafka.clients.admin.Admin.create(p);
  }

  /** Creates topics (partitions by name, compacted where asked) unless they exist. */
  static void createTopics(Map<String, Integer> partitions, java.util.Set<String> compacted) {
    try (var admin = admin()) {
      var existing = admin.listTopics().names().get();
      var topics = new ArrayList<org.apache.kafka.clients.admin.NewTopic>();
      partitions.forEach(
          (name, n) -> {
            if (!existing.contains(name)) {
              var t = new org.apache.kafka.clients.admin.NewTopic(name, n, (short) 1);
              topics.add(
                  compacted.contains(name) ? t.configs(Map.of("cleanup.policy", "compact")) : t);
            }
          });
      admin.createTopics(topics).all().get();
      for (int i = 0;
          i < 100 && !admin.listTopics().names().get().containsAll(partitions.keySet());
          i++) {
        Thread.sleep(50);
      }
    } catch (Exception e) {
      throw new IllegalStateException("cannot create topics " + partitions, e);
    }
  }

  static KafkaProducer<byte[], byte[]> producer() {
    Properties p = new Properties();
    p.put(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        SharedTestInfrastructure.kafka().bootstrapServers());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return new KafkaProducer<>(p);
  }

  static void send(
      KafkaProducer<byte[], byte[]> producer,
      String topic,
      Integer partition,
      String key,
      byte[] value)
      throws Exception {
    producer
        .send(
            new ProducerRecord<>(
                topic, partition, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value))
        .get();
  }

  static void sendTask(KafkaProducer<byte[], byte[]> producer, PromptTask t) throws Exception {
    send(producer, Topics.PROMPTS, null, t.groupId(), EventJson.toBytes(t));
  }

  static void sendPolicy(
      KafkaProducer<byte[], byte[]> producer, String runId, long version, Path dir, String sha)
      throws Exception {
    var v =
        new PolicyVersion(
            Contracts.SCHEMA_VERSION,
            runId,
            version,
            version,
            dir.toUri().toString(),
            sha,
            Instant.now());
    send(producer, Topics.POLICY, null, runId, EventJson.toBytes(v));
  }

  /**
   * Reads a whole topic from the beginning until {@code done} holds for what was read, or the
   * timeout.
   */
  static <T> List<T> readUntil(
      String topic, Class<T> type, Predicate<List<T>> done, Duration timeout) {
    return readUntil(topic, type, done, timeout, "read_committed");
  }

  /** As {@link #readUntil(String, Class, Predicate, Duration)} at the given isolation level. */
  static <T> List<T> readUntil(
      String topic, Class<T> type, Predicate<List<T>> done, Duration timeout, String isolation) {
    Properties p = new Properties();
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    p.put(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
        SharedTestInfrastructure.kafka().bootstrapServers());
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024);
    List<T> out = new ArrayList<>();
    try (var c = new KafkaConsumer<byte[], byte[]>(p)) {
      var parts =
          c.partitionsFor(topic).stream()
              .map(i -> new TopicPartition(topic, i.partition()))
              .toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!done.test(out) && System.nanoTime() < deadline) {
        for (var r : c.poll(Duration.ofMillis(200))) {
          out.add(EventJson.fromBytes(r.value(), type));
        }
      }
    }
    return out;
  }

  /**
   * The groups with the given ids (duplicates kept), waiting until each id appeared at least once.
   */
  static List<RolloutGroup> groups(List<String> groupIds, Duration timeout) {
    List<RolloutGroup> all =
        readUntil(
            Topics.ROLLOUTS,
            RolloutGroup.class,
            read ->
                read.stream()
                    .map(RolloutGroup::groupId)
                    .collect(java.util.stream.Collectors.toSet())
                    .containsAll(groupIds),
            timeout);
    return all.stream().filter(g -> groupIds.contains(g.groupId())).toList();
  }

  /** Dead letters whose key is one of the given keys, waiting until each key appeared. */
  static Map<String, DeadLetter> deadLetters(List<String> keys, Duration timeout) {
    List<DeadLetter> all =
        readUntil(
            Topics.DLQ,
            DeadLetter.class,
            read ->
                read.stream()
                    .map(DeadLetter::key)
                    .collect(java.util.stream.Collectors.toSet())
                    .containsAll(keys),
            timeout);
    Map<String, DeadLetter> byKey = new HashMap<>();
    all.stream().filter(d -> keys.contains(d.key())).forEach(d -> byKey.put(d.key(), d));
    return byKey;
  }
}
