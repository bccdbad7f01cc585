package dev.grpo.rollout.messaging;

import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Client settings of the rollout worker. Values stay bytes: the worker decodes them itself so a bad
 * payload is a dead letter, not a dead stream.
 */
public final class KafkaClients {
  /** A 16 x 4,096-token group is about 1 MB of JSON; allow 4 MiB. */
  public static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

  /**
   * How long the producer keeps retrying a send (a group or a dead letter) before the worker gives
   * up and stops without committing: long enough to ride out a broker restart, short enough that a
   * broker that stays away ends in liveness DOWN and a restart.
   */
  public static final int DELIVERY_TIMEOUT_MILLIS = 300_000;

  /** First retry backoff; doubles (with jitter) up to {@link #RETRY_BACKOFF_MAX_MILLIS}. */
  public static final int RETRY_BACKOFF_MILLIS = 100;

  /** Longest retry backoff. */
  public static final int RETRY_BACKOFF_MAX_MILLIS = 5_000;

  private KafkaClients() {}

  /**
   * How long the broker lets a transaction of this worker stay open before it aborts it. A
   * transaction opens only after its batch is generated and holds just the sends and the offset
   * commit (milliseconds), so this only matters when a worker dies inside one and does not come
   * back under its id: read_committed readers of grpo.rollouts wait at most this long. A worker
   * restarted under the same id aborts it at once.
   */
  public static final int TRANSACTION_TIMEOUT_MILLIS = 15_000;

  /**
   * Transactional producer (the {@code transactional.id} is {@code TransactionalIds.of("rollout",
   * workerId)}), acks=all, zstd (contract addendum for grpo.rollouts); retries with exponential
   * backoff for up to {@link #DELIVERY_TIMEOUT_MILLIS}.
   */
  public static Properties producer(String bootstrap, String clientId, String transactionalId) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, TRANSACTION_TIMEOUT_MILLIS);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, MAX_MESSAGE_BYTES);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, DELIVERY_TIMEOUT_MILLIS);
    p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, RETRY_BACKOFF_MILLIS);
    p.put(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, RETRY_BACKOFF_MAX_MILLIS);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return p;
  }

  /**
   * How long the broker keeps a silent static member's partitions before it gives them to the
   * others: a worker killed and restarted within it (same {@code group.instance.id}) gets them back
   * at once, without a rebalance; one that stays away is replaced after it.
   */
  public static final int SESSION_TIMEOUT_MILLIS = 10_000;

  /** Heartbeat interval: a third of the session timeout or less, as Kafka advises. */
  public static final int HEARTBEAT_INTERVAL_MILLIS = 2_000;

  /**
   * Static member of grpo.prompts (classic protocol, {@code group.instance.id} = {@code clientId},
   * stable when the worker id is): offsets committed only inside the producer's transactions,
   * bounded polls. {@code read_committed} makes the committed-offset fetch after a rebalance wait
   * for a transaction still completing its offsets (KIP-447), so a new owner never starts before
   * the old owner's last commit.
   */
  public static Properties promptConsumer(
      String bootstrap, String group, String clientId, int maxPollRecords) {
    Properties p = common(bootstrap, clientId);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
    p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, clientId);
    p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, SESSION_TIMEOUT_MILLIS);
    p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, HEARTBEAT_INTERVAL_MILLIS);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return p;
  }

  /**
   * Reader of grpo.policy: no group (every worker reads every version), partitions assigned by
   * hand.
   */
  public static Properties policyConsumer(String bootstrap, String clientId) {
    return common(bootstrap, clientId);
  }

  private static Properties common(String bootstrap, String clientId) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, MAX_MESSAGE_BYTES);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    return p;
  }
}
