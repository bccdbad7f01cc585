package dev.grpo.localinfra.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.testcontainers.utility.DockerImageName;

/** The Testcontainers images are the upstream ones unless a substitute is named. */
class ContainerImagesTest {

  private static final String PROPERTY = "grpo.testcontainers.kafka-image";

  @AfterEach
  void clear() {
    System.clearProperty(PROPERTY);
  }

  @Test
  void withoutASettingTheUpstreamImageServes() {
    // The environment variable is not set in the build (GRPO_TESTCONTAINERS_KAFKA_IMAGE).
    if (System.getenv("GRPO_TESTCONTAINERS_KAFKA_IMAGE") != null) {
      return;
    }
    assertThat(ContainerImages.resolve("kafka", ContainerKafka.IMAGE).asCanonicalNameString())
        .isEqualTo("apache/kafka:4.1.2");
  }

  @Test
  void aNamedSubstituteServesAndCountsAsCompatibleWithTheUpstreamImage() {
    System.setProperty(PROPERTY, " localhost/grpo/kafka:4.1.2-local ");

    DockerImageName image = ContainerImages.resolve("kafka", ContainerKafka.IMAGE);

    assertThat(image.asCanonicalNameString()).isEqualTo("localhost/grpo/kafka:4.1.2-local");
    assertThat(image.isCompatibleWith(DockerImageName.parse("apache/kafka"))).isTrue();
  }

  @Test
  void aMalformedNameIsRefusedNamingTheSetting() {
    System.setProperty(PROPERTY, "Not An Image");

    assertThatThrownBy(() -> ContainerImages.resolve("kafka", ContainerKafka.IMAGE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(PROPERTY)
        .hasMessageContaining("'Not An Image'");
  }
}
