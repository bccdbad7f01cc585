package dev.grpo.localinfra.containers;

import java.util.Locale;
import org.testcontainers.utility.DockerImageName;

/**
 * Which image a Testcontainers-backed service starts: the upstream one by default, or a substitute
 * named by the system property {@code grpo.testcontainers.<name>-image} or the environment variable
 * {@code GRPO_TESTCONTAINERS_<NAME>_IMAGE} (the property wins). A substitute must behave like the
 * upstream image (same environment variables, same start protocol), as the locally built images of
 * {@code infra/containers} do; it is declared a compatible substitute so that Testcontainers
 * accepts it.
 */
final class ContainerImages {

  private ContainerImages() {}

  static DockerImageName resolve(String name, String upstreamImage) {
    String property = "grpo.testcontainers." + name + "-image";
    String variable = "GRPO_TESTCONTAINERS_" + name.toUpperCase(Locale.ROOT) + "_IMAGE";
    DockerImageName upstream = DockerImageName.parse(upstreamImage);
    String value = System.getProperty(property);
    String source = property;
    if (value == null || value.isBlank()) {
      value = System.getenv(variable);
      source = variable;
    }
    if (value == null || value.isBlank()) {
      return upstream;
    }
    try {
      DockerImageName substitute = DockerImageName.parse(value.trim());
      substitute.assertValid();
      return substitute.asCompatibleSubstituteFor(upstream.getUnversionedPart());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          source + " must be an image name like localhost/grpo/kafka:local, was '" + value + "'",
          e);
    }
  }
}
