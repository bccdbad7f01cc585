package dev.grpo.localinfra;

import java.nio.file.Path;

/**
 * The standalone local database behind {@code infra/local/postgres}: an {@link EmbeddedPostgres} in
 * its own process that keeps its data between runs.
 *
 * <p>Settings (environment): {@code POSTGRES_PORT} (default {@value #DEFAULT_PORT}), {@code
 * POSTGRES_DATA_DIR} (default {@code work/postgres}), {@code POSTGRES_DB} (default {@value
 * #DEFAULT_DATABASE}). Prints {@code READY jdbc=jdbc:postgresql://127.0.0.1:PORT/DB user=postgres}
 * once it accepts connections; on a refusal prints one line to stderr and exits with status 2.
 */
public final class PostgresMain {

  public static final int DEFAULT_PORT = 5433;
  public static final String DEFAULT_DATABASE = "grpo";

  private PostgresMain() {}

  public static void main(String[] args) {
    int port;
    Path dir;
    String database;
    try {
      port = StandaloneProcess.intSetting("POSTGRES_PORT", DEFAULT_PORT);
      dir = StandaloneProcess.pathSetting("POSTGRES_DATA_DIR", "work/postgres");
      String db = System.getenv("POSTGRES_DB");
      database = db == null || db.isBlank() ? DEFAULT_DATABASE : db;
    } catch (IllegalArgumentException e) {
      System.err.println("postgres: refusing to start: " + e.getMessage());
      System.exit(StandaloneProcess.EXIT_REFUSED);
      return;
    }
    StandaloneProcess.run(
        "postgres",
        new StandaloneProcess.ServiceStarter() {
          @Override
          public AutoCloseable start() {
            return EmbeddedPostgres.start(dir, port, database);
          }

          @Override
          public String describe(AutoCloseable service) {
            DatabaseEndpoint e = ((EmbeddedPostgres) service).endpoint();
            return "jdbc=" + e.jdbcUrl() + " user=" + e.username() + " password=" + e.password();
          }
        });
  }
}
