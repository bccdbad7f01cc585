package dev.grpo.localinfra.containers;

import dev.grpo.localinfra.DatabaseEndpoint;
import dev.grpo.localinfra.PostgresServer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * PostgreSQL in a Docker container ({@value #IMAGE}, or the substitute named by {@code
 * grpo.testcontainers.postgres-image} / {@code GRPO_TESTCONTAINERS_POSTGRES_IMAGE}, see {@link
 * ContainerImages}), for runs with the Testcontainers switch on. Only ever loaded by name from
 * {@code TestcontainersSwitch}.
 */
public final class ContainerPostgres implements PostgresServer {

  public static final String IMAGE = "postgres:16-alpine";

  private final PostgreSQLContainer container;

  public ContainerPostgres() {
    DockerCheck.requireDocker("PostgreSQL");
    container =
        new PostgreSQLContainer(ContainerImages.resolve("postgres", IMAGE))
            .withDatabaseName("grpo");
    container.start();
  }

  @Override
  public DatabaseEndpoint endpoint() {
    return new DatabaseEndpoint(
        container.getJdbcUrl(), container.getUsername(), container.getPassword());
  }

  @Override
  public void close() {
    container.stop();
  }
}
