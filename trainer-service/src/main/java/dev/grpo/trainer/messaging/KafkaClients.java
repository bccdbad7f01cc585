package dev.grpo.trainer.messaging;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Makes the trainer's Kafka clients. The trainer uses plain clients on its training thread instead
 * of SmallRye channels because it must commit a {@code grpo.scored} offset only after the
 * checkpoint that contains the record's group is saved (see docs/architecture.md, "Trainer").
 */
@ApplicationScoped
public class KafkaClients {
  /** Consumer group of the trainer. */
  public static final String CONSUMER_GROUP = "grpo-trainer";

  /**
   * Consumer group of the trainer's {@code grpo.dlq} reader: its own group, so that its rebalances
   * never disturb the {@code grpo.scored} consumer's offset bookkeeping.
   */
  public static final String DEAD_LETTER_CONSUMER_GROUP = "grpo-trainer-dlq";

  /** A 16 x 4,096-token group is about 1 MB of JSON; leave room. */
  public static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

  /**
   * How long the producer keeps retrying a send (prompt, step, dead letter) before the training
   * loop gives up and dies without committing: long enough to ride out a broker restart; a broker
   * that stays away ends in liveness DOWN and a restart.
   */
  public static final int DELIVERY_TIMEOUT_MILLIS = 300_000;

  /** First retry backoff; doubles (with jitter) up to {@link #RETRY_BACKOFF_MAX_MILLIS}. */
  public static final int RETRY_BACKOFF_MILLIS = 100;

  /** Longest retry backoff. */
  public static final int RETRY_BACKOFF_MAX_MILLIS = 5_000;

  /**
   * How long the broker keeps a silent static member's partitions: a trainer killed and restarted
   * within it (same {@code grpo.trainer.instance-id}) gets them back at once, without a rebalance.
   */
  public static final int SESSION_TIMEOUT_MILLIS = 10_000;

  /** Heartbeat interval: a third of the session timeout or less. */
  public static final int HEARTBEAT_INTERVAL_MILLIS = 2_000;

  private final String bootstrapServers;
  private final String instanceId;

  public KafkaClients(
      @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers,
      @ConfigProperty(name = "grpo.trainer.instance-id", defaultValue = "trainer-0")
          String instanceId) {
    this.bootstrapServers = bootstrapServers;
    this.instanceId = instanceId;
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  /**
   * This trainer's instance id ({@code grpo.trainer.instance-id}), its records' producer header.
   */
  public String instanceId() {
    return instanceId;
  }

  /**
   * The {@code grpo.scored} consumer: read_committed, manual commits, values decoded by the caller.
   */
  public KafkaConsumer<String, byte[]> scoredConsumer(int maxPollRecords) {
    return manualCommitConsumer(CONSUMER_GROUP, "grpo-trainer-scored", maxPollRecords);
  }

  /**
   * The {@code grpo.dlq} consumer: manual commits (a dead letter's drop is written to the database
   * before its offset is committed), values decoded by the caller. A dead letter carries the
   * original payload, so it can be as large as the largest event.
   */
  public KafkaConsumer<String, byte[]> deadLetterConsumer(int maxPollRecords) {
    return manualCommitConsumer(DEAD_LETTER_CONSUMER_GROUP, "grpo-trainer-dlq", maxPollRecords);
  }

  /**
   * A consumer of no group that reads the log where its caller assigns and seeks it (the console's
   * indexer and reader): read_committed, records as large as the largest event, from the start of a
   * partition it has no position in.
   */
  public KafkaConsumer<String, byte[]> logReader(String clientId, int maxPollRecords) {
    var p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(maxPollRecords));
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(MAX_MESSAGE_BYTES));
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    return new KafkaConsumer<>(p);
  }

  private KafkaConsumer<String, byte[]> manualCommitConsumer(
      String groupId, String clientId, int maxPollRecords) {
    var p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(maxPollRecords));
    // Both are polled by the training thread, which may spend minutes in a step and a checkpoint.
    p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, "1800000");
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(MAX_MESSAGE_BYTES));
    p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(4 * MAX_MESSAGE_BYTES));
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    // Static membership (classic protocol): one id per trainer instance and group.
    p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, clientId + "-" + instanceId);
    p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Integer.toString(SESSION_TIMEOUT_MILLIS));
    p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Integer.toString(HEARTBEAT_INTERVAL_MILLIS));
    return new KafkaConsumer<>(p);
  }

  /**
   * The producer of prompts, policy versions, steps and dead letters: idempotent, acks=all, retries
   * with exponential backoff for up to {@link #DELIVERY_TIMEOUT_MILLIS}.
   */
  public KafkaProducer<String, byte[]> producer() {
    var p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(MAX_MESSAGE_BYTES));
    p.put(ProducerConfig.LINGER_MS_CONFIG, "1");
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.toString(DELIVERY_TIMEOUT_MILLIS));
    p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, Integer.toString(RETRY_BACKOFF_MILLIS));
    p.put(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, Integer.toString(RETRY_BACKOFF_MAX_MILLIS));
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "grpo-trainer");
    return new KafkaProducer<>(p);
  }
}
