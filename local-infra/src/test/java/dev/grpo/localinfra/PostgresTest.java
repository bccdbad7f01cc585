package dev.grpo.localinfra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The embedded server and the existing-server path, each running real SQL. */
class PostgresTest {

  /** The server this machine and CI run; overridable through the usual variables. */
  private static final DatabaseEndpoint LOCAL_SERVER =
      ExistingPostgres.fromEnvironment()
          .orElse(new DatabaseEndpoint("jdbc:postgresql://127.0.0.1:5432/test", "postgres", ""));

  @Test
  void embeddedServerStartsCreatesTheDatabaseAndRunsSql() throws Exception {
    var dir = TestDirs.fresh("pg");
    long startNanos = System.nanoTime();
    try (var pg = EmbeddedPostgres.start(dir, 0, "grpo_test")) {
      System.out.printf(
          "embedded PostgreSQL ready at %s in %d ms%n",
          pg.endpoint().jdbcUrl(), (System.nanoTime() - startNanos) / 1_000_000);
      assertThat(pg.endpoint().jdbcUrl())
          .isEqualTo("jdbc:postgresql://127.0.0.1:" + pg.port() + "/grpo_test");
      try (Connection c = pg.endpoint().connect()) {
        assertThat(roundTrip(c)).isEqualTo("grpo_test|42");
      }
    }
    // Restarting on the same directory keeps the data.
    try (var pg = EmbeddedPostgres.start(dir, 0, "grpo_test");
        Connection c = pg.endpoint().connect();
        var rs = c.createStatement().executeQuery("SELECT count(*) FROM probe")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(1);
    }
  }

  @Test
  void existingServerFromTheEnvironmentAnswers() throws Exception {
    Optional<String> unreachable = ExistingPostgres.whyUnreachable(LOCAL_SERVER);
    assumeTrue(
        unreachable.isEmpty(),
        () ->
            "skipped: "
                + unreachable.orElse("")
                + " (set "
                + ExistingPostgres.URL_VARIABLE
                + " to point at a server)");
    try (Connection c = LOCAL_SERVER.connect()) {
      c.setAutoCommit(false);
      // Rolled back so that the shared server keeps nothing from this test.
      assertThat(roundTrip(c)).endsWith("|42");
      c.rollback();
    }
  }

  @Test
  void environmentVariablesAreReadWithDefaultsAndChecked() {
    assertThat(ExistingPostgres.fromEnvironment(Map.of())).isEmpty();
    assertThat(
            ExistingPostgres.fromEnvironment(
                Map.of("GRPO_DATASOURCE_URL", "jdbc:postgresql://db:5432/x")))
        .contains(new DatabaseEndpoint("jdbc:postgresql://db:5432/x", "postgres", ""));
    assertThat(
            ExistingPostgres.fromEnvironment(
                Map.of(
                    "GRPO_DATASOURCE_URL",
                    "jdbc:postgresql://db/x",
                    "GRPO_DATASOURCE_USERNAME",
                    "grpo",
                    "GRPO_DATASOURCE_PASSWORD",
                    "s3cret")))
        .contains(new DatabaseEndpoint("jdbc:postgresql://db/x", "grpo", "s3cret"));
    assertThatThrownBy(
            () ->
                ExistingPostgres.fromEnvironment(Map.of("GRPO_DATASOURCE_URL", "postgres://db/x")))
        .hasMessage(
            "GRPO_DATASOURCE_URL must be a JDBC URL starting with 'jdbc:postgresql:', was"
                + " 'postgres://db/x'");
    assertThat(
            ExistingPostgres.whyUnreachable(
                new DatabaseEndpoint("jdbc:postgresql://127.0.0.1:1/x", "postgres", "")))
        .hasValueSatisfying(
            reason ->
                assertThat(reason)
                    .startsWith(
                        "PostgreSQL at jdbc:postgresql://127.0.0.1:1/x as postgres does not"
                            + " answer"));
  }

  @Test
  void embeddedRejectsBadDatabaseNames() {
    assertThatThrownBy(() -> EmbeddedPostgres.start(TestDirs.fresh("pg-bad"), 0, "Bad-Name"))
        .hasMessage("database must match [a-z_][a-z0-9_]{0,62}, was 'Bad-Name'");
  }

  /** Creates a table in the current database, writes and reads a row; returns "db|value". */
  private static String roundTrip(Connection c) throws SQLException {
    try (var s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS probe (id int PRIMARY KEY, v int NOT NULL)");
      s.execute("INSERT INTO probe VALUES (1, 42) ON CONFLICT (id) DO UPDATE SET v = 42");
      try (var rs = s.executeQuery("SELECT current_database(), v FROM probe WHERE id = 1")) {
        rs.next();
        return rs.getString(1) + "|" + rs.getInt(2);
      }
    }
  }
}
