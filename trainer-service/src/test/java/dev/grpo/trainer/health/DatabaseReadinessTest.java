package dev.grpo.trainer.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.localinfra.SharedTestInfrastructure;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
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
      // The readiness is under test, not the proxy: wait until the cut port really refuses
      // (a full verify once saw the check answered UP right after the cut).
      awaitRefused(proxy.port());
      var down = check.call();
      assertThat(down.getStatus())
          .as("%s", down.getData())
          .isEqualTo(HealthCheckResponse.Status.DOWN);
      assertThat(down.getData().orElseThrow().get("reason").toString())
          .startsWith("the database is unreachable: ");

      proxy.restore();
      assertThat(check.call().getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
    }
  }

  private static void awaitRefused(int port) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      try (var s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
      } catch (IOException refused) {
        return;
      }
      assertThat(System.nanoTime())
          .as("the cut proxy still accepts on %d", port)
          .isLessThan(deadline);
      Thread.sleep(50);
    }
  }
}
