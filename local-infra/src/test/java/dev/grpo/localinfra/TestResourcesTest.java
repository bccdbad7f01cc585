package dev.grpo.localinfra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Quarkus test resources hand out working, shared infrastructure and the switch behaves. */
class TestResourcesTest {

  @Test
  void kafkaResourceReturnsOneSharedWorkingBroker() throws Exception {
    Map<String, String> first = new KafkaTestResource().start();
    Map<String, String> second = new KafkaTestResource().start();
    assertThat(second).isEqualTo(first);
    String bootstrap = first.get("kafka.bootstrap.servers");
    assertThat(first)
        .containsEntry("mp.messaging.connector.smallrye-kafka.bootstrap.servers", bootstrap);
    try (var admin =
        org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      assertThat(admin.describeCluster().nodes().get()).hasSize(1);
    }
  }

  @Test
  void postgresResourceReturnsAWorkingDatasource() throws Exception {
    Map<String, String> props = new PostgresTestResource().start();
    var endpoint =
        new DatabaseEndpoint(
            props.get("quarkus.datasource.jdbc.url"),
            props.get("quarkus.datasource.username"),
            props.get("quarkus.datasource.password"));
    try (var c = endpoint.connect();
        var rs = c.createStatement().executeQuery("SELECT 1")) {
      assertThat(rs.next()).isTrue();
    }
    assertThat(new PostgresTestResource().start()).isEqualTo(props);
  }

  @Test
  void switchIsOffByDefaultAndRejectsNonBooleans() {
    String saved = System.getProperty(TestcontainersSwitch.PROPERTY);
    try {
      System.clearProperty(TestcontainersSwitch.PROPERTY);
      if (System.getenv(TestcontainersSwitch.VARIABLE) == null) {
        assertThat(TestcontainersSwitch.enabled()).isFalse();
      }
      System.setProperty(TestcontainersSwitch.PROPERTY, "yes");
      assertThatThrownBy(TestcontainersSwitch::enabled)
          .hasMessage("grpo.testcontainers must be 'true' or 'false', was 'yes'");
    } finally {
      if (saved == null) {
        System.clearProperty(TestcontainersSwitch.PROPERTY);
      } else {
        System.setProperty(TestcontainersSwitch.PROPERTY, saved);
      }
    }
  }

  @Test
  void containerPathWithoutDockerFailsWithAClearMessage() {
    org.junit.jupiter.api.Assumptions.assumeFalse(
        new java.io.File("/var/run/docker.sock").exists(),
        "a Docker socket exists here; this test is about machines without one");
    org.junit.jupiter.api.Assumptions.assumeTrue(
        System.getenv("DOCKER_HOST") == null,
        "DOCKER_HOST names a Docker engine (e.g. infra/containers/testcontainers' podman socket)");
    assertThatThrownBy(
            () ->
                TestcontainersSwitch.startContainer(
                    TestcontainersSwitch.CONTAINER_KAFKA, KafkaBroker.class))
        .hasMessageContaining("no Docker engine answers, so Kafka cannot start");
  }
}
