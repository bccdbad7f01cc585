package dev.grpo.localinfra.containers;

import dev.grpo.localinfra.KafkaBroker;
import org.testcontainers.kafka.KafkaContainer;

/**
 * A Kafka broker in a Docker container ({@value #IMAGE}, or the substitute named by {@code
 * grpo.testcontainers.kafka-image} / {@code GRPO_TESTCONTAINERS_KAFKA_IMAGE}, see {@link
 * ContainerImages}), for runs with the Testcontainers switch on. Only ever loaded by name from
 * {@code TestcontainersSwitch}.
 */
public final class ContainerKafka implements KafkaBroker {

  /** The same Kafka version as the in-JVM broker and the clients. */
  public static final String IMAGE = "apache/kafka:4.1.2";

  private final KafkaContainer container;

  public ContainerKafka() {
    DockerCheck.requireDocker("Kafka");
    container =
        new KafkaContainer(ContainerImages.resolve("kafka", IMAGE))
            .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
            .withEnv("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
            .withEnv("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
            .withEnv("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1");
    container.start();
  }

  @Override
  public String bootstrapServers() {
    return container.getBootstrapServers();
  }

  @Override
  public void close() {
    container.stop();
  }
}
