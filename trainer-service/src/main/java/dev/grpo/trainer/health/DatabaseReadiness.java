package dev.grpo.trainer.health;

import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready while PostgreSQL answers: a connection from the pool that validates within {@link
 * #VALID_WITHIN_SECONDS}. While the database is away the trainer can neither record steps nor
 * accept runs, so readiness goes DOWN with the driver's error as {@code reason}, and UP again on
 * the first check after it is back (the pool replaces its broken connections). Agroal's own check
 * says the same without a {@code reason}; this one is in the project's shape.
 */
@Readiness
@ApplicationScoped
public class DatabaseReadiness implements HealthCheck {
  /** How long a pooled connection may take to prove it still reaches the database. */
  static final int VALID_WITHIN_SECONDS = 2;

  private final DataSource dataSource;

  public DatabaseReadiness(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  @Override
  public HealthCheckResponse call() {
    var r = HealthCheckResponse.named("trainer-database");
    try (Connection c = dataSource.getConnection()) {
      if (c.isValid(VALID_WITHIN_SECONDS)) {
        return r.up().build();
      }
      return r.withData(
              "reason", "the database did not answer within " + VALID_WITHIN_SECONDS + " s")
          .down()
          .build();
    } catch (SQLException | RuntimeException e) {
      return r.withData("reason", "the database is unreachable: " + e.getMessage()).down().build();
    }
  }
}
