package dev.grpo.reward;

import dev.grpo.contracts.CheckerSpec;
import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.ExternalPart;
import dev.grpo.contracts.RewardSpec;
import dev.grpo.contracts.Topics;
import dev.grpo.localinfra.KafkaTestResource;
import dev.grpo.localinfra.SharedTestInfrastructure;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Benchmark, run by hand (docs/benchmarks.md#custom-reward-parts): groups/s and latency from a
 * group's record to its ScoredGroup visible to a read_committed reader, G = 16, for (a) built-ins
 * only, (b) a topic part from examples/python-reward/topic_reward.py, (c) an HTTP part from
 * http_scorer.py. {@code -Dgrpo.bench.join=true}.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = false)
@EnabledIfSystemProperty(named = "grpo.bench.join", matches = "true")
class JoinBenchmarkTest {
  static final int G = 16;
  static final int PACED_GROUPS = Integer.getInteger("grpo.bench.paced", 300);
  static final int PACED_PER_SECOND = Integer.getInteger("grpo.bench.rate", 50);
  static final int BACKLOG_GROUPS = Integer.getInteger("grpo.bench.backlog", 1000);

  @Test
  void measure() throws Exception {
    String bootstrap = SharedTestInfrastructure.kafka().bootstrapServers();
    new KafkaFixture(bootstrap).createTopics();
    Path examples = Path.of("..", "examples", "python-reward").toAbsolutePath().normalize();
    int port;
    try (var s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort();
    }
    var topic =
        new ProcessBuilder("/usr/bin/python3", "-u", "topic_reward.py")
            .directory(examples.toFile())
            .redirectErrorStream(true)
            .redirectOutput(Path.of("target/bench-topic-part.log").toFile());
    topic.environment().put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
    var http =
        new ProcessBuilder("/usr/bin/python3", "-u", "http_scorer.py", Integer.toString(port))
            .directory(examples.toFile())
            .redirectErrorStream(true)
            .redirectOutput(Path.of("target/bench-http.log").toFile());
    Process p1 = topic.start();
    Process p2 = http.start();
    try {
      Thread.sleep(3000);
      var builtIn = new CheckerSpec("math_equiv", 1.0, null);
      var cases =
          List.of(
              Map.entry("a built-ins only", new RewardSpec(List.of(builtIn))),
              Map.entry(
                  "b python topic part",
                  new RewardSpec(
                      List.of(
                          builtIn,
                          new CheckerSpec(
                              "brevity", 0.2, null, ExternalPart.topic(30_000, null))))),
              Map.entry(
                  "c http part",
                  new RewardSpec(
                      List.of(
                          builtIn,
                          new CheckerSpec(
                              "has_digit",
                              0.2,
                              null,
                              ExternalPart.http(
                                  "http://127.0.0.1:" + port + "/score", null, 5_000, null))))));
      var lines = new ArrayList<String>();
      for (var c : cases) {
        run(bootstrap, c.getValue(), 50, 50); // warm-up
        var paced = run(bootstrap, c.getValue(), PACED_GROUPS, PACED_PER_SECOND);
        var backlog = run(bootstrap, c.getValue(), BACKLOG_GROUPS, 0);
        lines.add(
            String.format(
                Locale.ROOT,
                "| %s | %.0f | %d | %d | %d/s paced: p50 %d ms, p99 %d ms |",
                c.getKey(),
                backlog[0],
                (long) backlog[1],
                (long) backlog[2],
                PACED_PER_SECOND,
                (long) paced[1],
                (long) paced[2]));
      }
      System.out.println("| case | groups/s (backlog) | backlog p50 ms | backlog p99 ms | paced |");
      lines.forEach(System.out::println);
    } finally {
      p1.destroy();
      p2.destroy();
    }
  }

  /** Sends n groups (at rate per second, 0 = at once); returns {groups/s, p50 ms, p99 ms}. */
  private static double[] run(String bootstrap, RewardSpec spec, int n, int rate) throws Exception {
    var sent = new ConcurrentHashMap<String, Long>();
    var latencies = Collections.synchronizedList(new ArrayList<Long>());
    var cp = new Properties();
    cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    cp.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-" + UUID.randomUUID());
    cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
    cp.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4_194_304);
    var pp = new Properties();
    pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    pp.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    pp.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4_194_304);
    String prefix = "bench-" + UUID.randomUUID() + "-";
    var texts = new ArrayList<String>();
    for (int i = 0; i < G; i++) {
      texts.add(i % 2 == 0 ? "\\boxed{4}" : "the answer is 5");
    }
    try (var consumer =
            new KafkaConsumer<>(cp, new StringDeserializer(), new ByteArrayDeserializer());
        var producer = new KafkaProducer<>(pp, new StringSerializer(), new ByteArraySerializer())) {
      consumer.subscribe(List.of(Topics.SCORED));
      while (consumer.assignment().isEmpty()) {
        consumer.poll(Duration.ofMillis(100));
      }
      var reader =
          new Thread(
              () -> {
                while (latencies.size() < n) {
                  for (var r : consumer.poll(Duration.ofMillis(20))) {
                    Long t0 = sent.get(r.key());
                    if (t0 != null) {
                      latencies.add((System.nanoTime() - t0) / 1_000_000);
                    }
                  }
                }
              });
      long start = System.nanoTime();
      reader.start();
      for (int i = 0; i < n; i++) {
        if (rate > 0) {
          long due = start + (long) (i * 1e9 / rate);
          while (System.nanoTime() < due) {
            Thread.sleep(1);
          }
        }
        String id = prefix + i;
        byte[] value = EventJson.toBytes(Fixtures.group(id, spec, "4", texts));
        sent.put(id, System.nanoTime());
        producer.send(new ProducerRecord<>(Topics.ROLLOUTS, id, value));
      }
      producer.flush();
      reader.join(300_000);
      double seconds = (System.nanoTime() - start) / 1e9;
      var sorted = new ArrayList<>(latencies);
      Collections.sort(sorted);
      return new double[] {
        n / seconds, sorted.get(sorted.size() / 2), sorted.get((int) (sorted.size() * 0.99))
      };
    }
  }
}
