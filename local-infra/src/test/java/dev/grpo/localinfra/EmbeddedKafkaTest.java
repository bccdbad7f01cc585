package dev.grpo.localinfra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A real KRaft broker in this JVM, exercised with the ordinary Kafka clients. */
class EmbeddedKafkaTest {

  private static final Duration RECEIVE_TIMEOUT = Duration.ofSeconds(30);
  private static EmbeddedKafka kafka;

  @BeforeAll
  static void startBroker() {
    Path dir = TestDirs.fresh("kafka");
    long startNanos = System.nanoTime();
    kafka = EmbeddedKafka.start(dir, 0);
    System.out.printf(
        "embedded Kafka ready at %s in %d ms%n",
        kafka.bootstrapServers(), (System.nanoTime() - startNanos) / 1_000_000);
  }

  @AfterAll
  static void stopBroker() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void producesAndConsumesOnAnExplicitTopicAndAnAutoCreatedOne() throws Exception {
    kafka.createTopics(Map.of("explicit", 3));
    try (var admin = kafka.admin()) {
      assertThat(
              admin
                  .describeTopics(List.of("explicit"))
                  .allTopicNames()
                  .get()
                  .get("explicit")
                  .partitions())
          .hasSize(3);
    }
    for (String topic : List.of("explicit", "auto-created")) {
      try (var producer = new KafkaProducer<String, String>(producerProps(null))) {
        for (int i = 0; i < 10; i++) {
          producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get();
        }
      }
      List<String> values = consume(topic, "read_uncommitted", 10);
      assertThat(values)
          .containsExactlyInAnyOrder("v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9");
    }
  }

  @Test
  void readCommittedSeesCommittedTransactionsAndNeverAbortedOnes() throws Exception {
    String topic = "tx-" + UUID.randomUUID();
    kafka.createTopics(Map.of(topic, 1));
    try (var producer =
        new KafkaProducer<String, String>(producerProps("tx-test-" + UUID.randomUUID()))) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, "a", "aborted-1"));
      producer.send(new ProducerRecord<>(topic, "a", "aborted-2"));
      // Without the flush, abort discards the unsent batch and the log never holds it.
      producer.flush();
      producer.abortTransaction();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, "c", "committed-1"));
      producer.send(new ProducerRecord<>(topic, "c", "committed-2"));
      producer.commitTransaction();
    }
    assertThat(consume(topic, "read_committed", 2)).containsExactly("committed-1", "committed-2");
    // The aborted records are in the log: an uncommitted reader sees all four.
    assertThat(consume(topic, "read_uncommitted", 4))
        .containsExactly("aborted-1", "aborted-2", "committed-1", "committed-2");
  }

  @Test
  void refusesAPortThatIsTaken() throws Exception {
    try (var taken = new ServerSocket(0, 1, InetAddress.getByName(EmbeddedKafka.HOST))) {
      int port = taken.getLocalPort();
      assertThatThrownBy(() -> EmbeddedKafka.start(TestDirs.fresh("kafka-taken"), port))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("Kafka port " + port + " on 127.0.0.1 is already in use");
    }
  }

  @Test
  void rejectsNonsenseArguments() {
    assertThatThrownBy(() -> EmbeddedKafka.start(TestDirs.fresh("kafka-bad"), 70_000))
        .hasMessage("port must be between 0 and 65535 (0 = free port), was 70000");
    assertThatThrownBy(() -> kafka.createTopics(Map.of("t", 0)))
        .hasMessage("partitions for topic 't' must be at least 1, was 0");
  }

  private static Properties producerProps(String transactionalId) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    if (transactionalId != null) {
      p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    }
    return p;
  }

  private static List<String> consume(String topic, String isolation, int expected) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "g-" + UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    List<String> values = new ArrayList<>();
    try (var consumer = new KafkaConsumer<String, String>(p)) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + RECEIVE_TIMEOUT.toNanos();
      while (values.size() < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          values.add(r.value());
        }
      }
      // A short extra poll catches records that should not be there (e.g. aborted ones).
      for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(300))) {
        values.add(r.value());
      }
    }
    return values;
  }
}
