package dev.grpo.localinfra;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Hands the shared test broker to a {@code @QuarkusTest}: {@code @QuarkusTestResource(value =
 * KafkaTestResource.class, restrictToAnnotatedClass = false)}.
 *
 * <p>Returns {@code kafka.bootstrap.servers} (read by the SmallRye Kafka connector and the Quarkus
 * Kafka client) and {@code mp.messaging.connector.smallrye-kafka.bootstrap.servers}. The broker is
 * started once per JVM and outlives {@link #stop()}; see {@link SharedTestInfrastructure}.
 */
public class KafkaTestResource implements QuarkusTestResourceLifecycleManager {

  @Override
  public Map<String, String> start() {
    String bootstrap = SharedTestInfrastructure.kafka().bootstrapServers();
    return Map.of(
        "kafka.bootstrap.servers", bootstrap,
        "mp.messaging.connector.smallrye-kafka.bootstrap.servers", bootstrap);
  }

  @Override
  public void stop() {
    // Shared across test classes and Quarkus restarts; stopped by a shutdown hook at JVM exit.
  }
}
