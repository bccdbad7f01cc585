package dev.grpo.reward.join;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grpo.localinfra.SharedTestInfrastructure;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/**
 * The join is co-partitioned by groupId: a part from the Python plumbing
 * (examples/python-reward/grpo_parts.py) must land on the partition Java's producer puts its group
 * on. librdkafka's default partitioner (consistent_random, CRC32) does not; the helper's
 * murmur2_random does. Runs the helper's producer settings in /usr/bin/python3 on the embedded
 * broker and compares each key's partition with Java's murmur2.
 */
class PythonPartPartitioningTest {
  static final String PYTHON = "/usr/bin/python3";
  static final int PARTITIONS = 4;
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String SCRIPT =
      """
      import json, sys
      from confluent_kafka import Producer
      import grpo_parts
      bootstrap, topic, tid, default = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
      config = grpo_parts.producer_config(bootstrap, tid)
      if default:
          config.pop("partitioner")
      p = Producer(config)
      p.init_transactions()
      p.begin_transaction()
      seen = {}
      def done(err, msg):
          if err is None:
              seen[msg.key().decode()] = msg.partition()
      for i in range(32):
          p.produce(topic, key="group-%d-%s" % (i, tid), value="{}", on_delivery=done)
      p.commit_transaction()
      p.flush(30)
      print(json.dumps(seen))
      """;

  @Test
  void theHelpersPartsLandWhereJavaPutsTheirGroups() throws Exception {
    assumeThat(run("-c", "import confluent_kafka").exitCode)
        .as("needs Debian's python3-confluent-kafka")
        .isZero();
    String bootstrap = SharedTestInfrastructure.kafka().bootstrapServers();
    String topic = "partition-check-" + UUID.randomUUID();
    try (var admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      admin
          .createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1)))
          .all()
          .get(60, TimeUnit.SECONDS);
    }

    Map<String, Integer> helper = partitions(bootstrap, topic, false);
    Map<String, Integer> librdkafkaDefault = partitions(bootstrap, topic, true);

    assertThat(helper).hasSize(32);
    helper.forEach(
        (key, partition) -> assertThat(partition).as("partition of %s", key).isEqualTo(java(key)));
    assertThat(
            librdkafkaDefault.entrySet().stream()
                .filter(e -> e.getValue().intValue() != java(e.getKey()))
                .count())
        .as("librdkafka's default partitioner differs from Java's (why the helper sets murmur2)")
        .isPositive();
  }

  /** Java's producer: the positive murmur2 of the key bytes modulo the partition count. */
  private static int java(String key) {
    return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
  }

  private static Map<String, Integer> partitions(String bootstrap, String topic, boolean dflt)
      throws Exception {
    String tid = UUID.randomUUID().toString();
    Result r = run("-c", SCRIPT, bootstrap, topic, tid, dflt ? "1" : "0");
    assertThat(r.exitCode).as("python: %s", r.output).isZero();
    String last = r.output.strip().lines().reduce((a, b) -> b).orElse("{}");
    return new HashMap<>(JSON.readValue(last, new TypeReference<Map<String, Integer>>() {}));
  }

  private record Result(int exitCode, String output) {}

  private static Result run(String... args) throws Exception {
    var cmd = new java.util.ArrayList<String>();
    cmd.add(PYTHON);
    cmd.addAll(List.of(args));
    Path examples = Path.of("..", "examples", "python-reward").toAbsolutePath().normalize();
    Process p;
    try {
      p = new ProcessBuilder(cmd).directory(examples.toFile()).redirectErrorStream(true).start();
    } catch (java.io.IOException e) {
      return new Result(-1, e.toString());
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return new Result(-1, out);
    }
    return new Result(p.exitValue(), out);
  }
}
