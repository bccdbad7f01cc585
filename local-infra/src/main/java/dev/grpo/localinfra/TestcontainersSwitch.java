package dev.grpo.localinfra;

import java.util.Locale;

/**
 * The one switch between the built-in infrastructure (default) and Testcontainers.
 *
 * <p>On when the system property {@value #PROPERTY} or the environment variable {@value #VARIABLE}
 * is {@code true}; e.g. {@code GRPO_TESTCONTAINERS=true mvn verify} or {@code mvn verify
 * -Dgrpo.testcontainers=true}. There is deliberately no auto-detection: probing for Docker would
 * touch it on the default path, and a run should not change its infrastructure because a socket
 * happens to exist. The Testcontainers classes are only loaded, by name, when the switch is on;
 * with it on and no Docker engine, the resources fail with a message saying so.
 */
public final class TestcontainersSwitch {

  public static final String PROPERTY = "grpo.testcontainers";
  public static final String VARIABLE = "GRPO_TESTCONTAINERS";
  static final String CONTAINER_KAFKA = "dev.grpo.localinfra.containers.ContainerKafka";
  static final String CONTAINER_POSTGRES = "dev.grpo.localinfra.containers.ContainerPostgres";

  private TestcontainersSwitch() {}

  /** Whether the Testcontainers path is chosen. */
  public static boolean enabled() {
    return isTrue(PROPERTY, System.getProperty(PROPERTY))
        || isTrue(VARIABLE, System.getenv(VARIABLE));
  }

  private static boolean isTrue(String name, String value) {
    if (value == null || value.isBlank()) {
      return false;
    }
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw new IllegalArgumentException(
              name + " must be 'true' or 'false', was '" + value + "'");
    };
  }

  /**
   * Instantiates a Testcontainers-backed service by class name, so the default path never links it.
   */
  static <T> T startContainer(String className, Class<T> type) {
    try {
      return type.cast(Class.forName(className).getDeclaredConstructor().newInstance());
    } catch (java.lang.reflect.InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(className + " failed to start: " + cause, cause);
    } catch (ReflectiveOperationException | LinkageError e) {
      throw new IllegalStateException(
          PROPERTY
              + "=true but Testcontainers is not on the test classpath ("
              + e
              + "); add org.testcontainers:testcontainers-kafka / testcontainers-postgresql as test"
              + " dependencies",
          e);
    }
  }
}
