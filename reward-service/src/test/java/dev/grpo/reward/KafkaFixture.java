package dev.grpo.reward;

import dev.grpo.contracts.EventJson;
import dev.grpo.contracts.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Plain Kafka clients against the real test broker: topics, raw producing, reading back. */
public final class KafkaFixture {
  /** Partitions of grpo.rollouts in tests: more than one, so two instances can share them. */
  public static final int ROLLOUT_PARTITIONS = 4;

  private final String bootstrap;

  public KafkaFixture(String bootstrap) {
    this.bootstrap = bootstrap;
  }

  /** Creates the reward service's topics if missing. */
  public void createTopics() {
    var props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (var admin = Admin.create(props)) {
      for (var topic :
          List.of(
              new NewTopic(Topics.ROLLOUTS, ROLLOUT_PARTITIONS, (short) 1),
              new NewTopic(Topics.REWARD_PARTS, ROLLOUT_PARTITIONS, (short) 1),
              new NewTopic(Topics.SCORED, 2, (short) 1),
              new NewTopic(Topics.DLQ, 1, (short) 1))) {
        try {
          admin.createTopics(List.of(topic)).all().get();
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException(e.getCause());
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Sends raw values to grpo.rollouts and waits for every acknowledgement. */
  public List<RecordMetadata> sendRaw(List<Map.Entry<String, byte[]>> records) {
    return sendRawTo(Topics.ROLLOUTS, records);
  }

  /** Sends events (encoded with the contract) to {@code topic} under the given keys. */
  public List<RecordMetadata> sendEventsTo(String topic, List<Map.Entry<String, Object>> events) {
    return sendRawTo(
        topic,
        events.stream().map(e -> Map.entry(e.getKey(), EventJson.toBytes(e.getValue()))).toList());
  }

  /** Sends raw values to {@code topic} and waits for every acknowledgement. */
  public List<RecordMetadata> sendRawTo(String topic, List<Map.Entry<String, byte[]>> records) {
    var props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4_194_304);
    try (var producer =
        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      var futures =
          records.stream()
              .map(r -> producer.send(new ProducerRecord<>(topic, r.getKey(), r.getValue())))
              .toList();
      producer.flush();
      var out = new ArrayList<RecordMetadata>();
      for (var f : futures) {
        out.add(f.get());
      }
      return out;
    } catch (InterruptedException | ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Sends events (encoded with the contract) to grpo.rollouts under the given keys. */
  public List<RecordMetadata> sendEvents(List<Map.Entry<String, Object>> events) {
    return sendRaw(
        events.stream().map(e -> Map.entry(e.getKey(), EventJson.toBytes(e.getValue()))).toList());
  }

  /**
   * Reads {@code topic} from the beginning with a fresh consumer until {@code done} accepts what
   * was read or {@code timeout} passes; returns everything read.
   */
  public List<ConsumerRecord<String, byte[]>> readUntil(
      String topic,
      boolean readCommitted,
      Duration timeout,
      Predicate<List<ConsumerRecord<String, byte[]>>> done) {
    var props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "test-reader-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(
        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
        readCommitted ? "read_committed" : "read_uncommitted");
    props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4_194_304);
    var all = new ArrayList<ConsumerRecord<String, byte[]>>();
    try (var consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(all::add);
        if (done.test(all)) {
          break;
        }
      }
    }
    return all;
  }
}
