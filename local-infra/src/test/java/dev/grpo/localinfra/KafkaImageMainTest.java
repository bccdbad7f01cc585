package dev.grpo.localinfra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import kafka.server.KafkaConfig;
import org.junit.jupiter.api.Test;

/** The local Kafka image reads the upstream image's environment variables. */
class KafkaImageMainTest {

  @Test
  void variableNamesBecomePropertyNamesWithTheUpstreamEscapes() {
    assertThat(KafkaImageMain.propertyName("KAFKA_LOG_DIRS")).isEqualTo("log.dirs");
    assertThat(KafkaImageMain.propertyName("KAFKA_CONTROLLER_QUORUM_VOTERS"))
        .isEqualTo("controller.quorum.voters");
    assertThat(KafkaImageMain.propertyName("KAFKA_LISTENER_NAME_BROKER__1_SSL"))
        .isEqualTo("listener.name.broker_1.ssl");
    assertThat(KafkaImageMain.propertyName("KAFKA_SOME___DASHED_NAME"))
        .isEqualTo("some-dashed.name");
    assertThatThrownBy(() -> KafkaImageMain.propertyName("KAFKA_"))
        .hasMessageContaining("KAFKA_ names no broker property");
  }

  @Test
  void theComposeFilesSettingsOverrideTheSingleNodeDefaults() {
    Map<String, String> env =
        Map.of(
            "KAFKA_NODE_ID", "1",
            "KAFKA_LISTENERS", "PLAINTEXT://:9092,CONTROLLER://:9093,HOST://:29092",
            "KAFKA_ADVERTISED_LISTENERS", "PLAINTEXT://kafka:9092,HOST://localhost:29092",
            "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",
                "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,HOST:PLAINTEXT",
            "KAFKA_CONTROLLER_QUORUM_VOTERS", "1@kafka:9093",
            "KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false",
            "KAFKA_LOG_DIRS", "/var/lib/kafka/data",
            "KAFKA_HEAP_OPTS", "-Xmx512m",
            "CLUSTER_ID", "o83uZ5n9QnWYi6u1ZdWBEw",
            "PATH", "/usr/bin");

    var props = KafkaImageMain.brokerProperties(env);

    assertThat(props.getProperty("advertised.listeners"))
        .isEqualTo("PLAINTEXT://kafka:9092,HOST://localhost:29092");
    assertThat(props.getProperty("auto.create.topics.enable")).isEqualTo("false");
    assertThat(props.getProperty("log.dirs")).isEqualTo("/var/lib/kafka/data");
    // Defaults that the environment does not name stay: a one-node cluster's internal topics.
    assertThat(props.getProperty("transaction.state.log.replication.factor")).isEqualTo("1");
    assertThat(props.getProperty("process.roles")).isEqualTo("broker,controller");
    assertThat(props).doesNotContainKeys("heap.opts", "cluster.id", "path");
    KafkaConfig config = KafkaConfig.fromProps(props, false);
    assertThat(config.controllerListenerNames()).containsExactly("CONTROLLER");
  }

  @Test
  void withoutSettingsTheDefaultsAreAValidOneNodeConfig() {
    KafkaConfig config = KafkaConfig.fromProps(KafkaImageMain.brokerProperties(Map.of()), false);
    assertThat(config.nodeId()).isEqualTo(1);
    assertThat(config.logDirs()).containsExactly("/tmp/kraft-combined-logs");
  }
}
