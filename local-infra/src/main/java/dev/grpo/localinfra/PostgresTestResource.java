package dev.grpo.localinfra;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Hands the shared test database to a {@code @QuarkusTest}: {@code @QuarkusTestResource(value =
 * PostgresTestResource.class, restrictToAnnotatedClass = false)}.
 *
 * <p>Returns {@code quarkus.datasource.jdbc.url}, {@code quarkus.datasource.username} and {@code
 * quarkus.datasource.password}. The database is the embedded server by default, the existing server
 * named by {@code GRPO_DATASOURCE_URL} when that is set, or a container with the Testcontainers
 * switch on. {@code quarkus.datasource.db-kind=postgresql} and {@code
 * quarkus.devservices.enabled=false} are build-time settings that the service must set itself.
 */
public class PostgresTestResource implements QuarkusTestResourceLifecycleManager {

  @Override
  public Map<String, String> start() {
    return SharedTestInfrastructure.postgres().endpoint().quarkusProperties();
  }

  @Override
  public void stop() {
    // Shared across test classes and Quarkus restarts; stopped by a shutdown hook at JVM exit.
  }
}
