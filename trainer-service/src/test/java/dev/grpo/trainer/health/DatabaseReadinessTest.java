package dev.grpo.trainer.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.localinfra.SharedTestInfrastructure;
import java.net.URI;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Readiness while the database is away, for real: the shared PostgreSQL reached through a TCP proxy
 * that the test cuts and restores. DOWN with the driver's error as reason while cut, UP again
 * after.
 */
class DatabaseReadinessTest {
  @Test
  void readinessIsDownWithAReasonWhileTheDatabaseIsUnreachableAndUpAfter() throws Exception {
    var db = SharedTestInfrastructure.postgres().endpoint();
    // jdbc:postgresql://host:port/name?params
    URI target = URI.create(db.jdbcUrl().substring("jdbc:".length()));
    try (var proxy = new TcpProxy(target.getHost(), target.getPort())) {
      var ds = new PGSimpleDataSource();
      ds.setURL("jdbc:postgresql://127.0.0.1:" + proxy.port() + target.getPath());
      ds.setUser(db.username());
      ds.setPassword(db.password());
      ds.setConnectTimeout(2);
      ds.setSocketTimeout(2);
      var check = new DatabaseReadiness(ds);

      assertThat(check.call().getStatus()).isEqualTo(HealthCheckResponse.Status.UP);

      proxy.cut();
      var down = check.call();
      assertThat(down.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
      assertThat(down.getData().orElseThrow().get("reason").toString())
          .startsWith("the database is unreachable: ");

      proxy.restore();
      assertThat(check.call().getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
    }
  }
}
