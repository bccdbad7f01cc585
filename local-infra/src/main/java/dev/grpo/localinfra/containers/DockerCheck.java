package dev.grpo.localinfra.containers;

import org.testcontainers.DockerClientFactory;

/**
 * Fails early, with a message naming the switch, when the Testcontainers path has no Docker engine.
 */
final class DockerCheck {

  private DockerCheck() {}

  static void requireDocker(String what) {
    // Probing with no socket and no DOCKER_HOST only burns ~10 s of client timeouts; say so at
    // once.
    boolean nothingToProbe =
        System.getenv("DOCKER_HOST") == null
            && !new java.io.File("/var/run/docker.sock").exists()
            && !new java.io.File(System.getProperty("user.home"), ".testcontainers.properties")
                .exists();
    if (nothingToProbe || !DockerClientFactory.instance().isDockerAvailable()) {
      throw new IllegalStateException(
          "Testcontainers switch is on (grpo.testcontainers / GRPO_TESTCONTAINERS) but no"
              + " Docker engine answers, so "
              + what
              + " cannot start; unset the switch to use the built-in one");
    }
  }
}
