package dev.grpo.localinfra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.regex.Pattern;

/**
 * A real PostgreSQL server (zonky embedded binaries, PostgreSQL 14) started as a child process on
 * 127.0.0.1, with its data and unpacked binaries under a given directory.
 *
 * <p>A data directory that already holds a cluster is reused, so the standalone {@code
 * infra/local/postgres} keeps its data across restarts. Authentication is {@code trust} for the
 * superuser {@value #SUPERUSER}.
 */
public final class EmbeddedPostgres implements PostgresServer {

  /** The superuser the embedded cluster is created with. */
  public static final String SUPERUSER = "postgres";

  private static final Pattern DATABASE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  private final io.zonky.test.db.postgres.embedded.EmbeddedPostgres server;
  private final DatabaseEndpoint endpoint;
  private boolean closed;

  private EmbeddedPostgres(
      io.zonky.test.db.postgres.embedded.EmbeddedPostgres server, DatabaseEndpoint endpoint) {
    this.server = server;
    this.endpoint = endpoint;
  }

  /**
   * Starts the server and creates {@code database} if it does not exist.
   *
   * @param dir directory for the cluster ({@code dir/data}) and the unpacked binaries ({@code
   *     dir/bin})
   * @param port port on 127.0.0.1, or 0 for a free one
   * @param database database to create, lower-case letters, digits and '_'
   * @throws IllegalStateException when the port is taken, the directory is not writable or the
   *     server fails
   */
  public static EmbeddedPostgres start(Path dir, int port, String database) {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException(
          "port must be between 0 and 65535 (0 = free port), was " + port);
    }
    if (database == null || !DATABASE_NAME.matcher(database).matches()) {
      throw new IllegalArgumentException(
          "database must match " + DATABASE_NAME.pattern() + ", was '" + database + "'");
    }
    Path dataDir = dir.toAbsolutePath().resolve("data");
    Path binDir = dir.toAbsolutePath().resolve("bin");
    try {
      Files.createDirectories(dataDir);
      Files.createDirectories(binDir);
    } catch (IOException e) {
      throw new IllegalStateException(
          "PostgreSQL directory " + dir + " cannot be created: " + e, e);
    }
    if (!Files.isWritable(dataDir)) {
      throw new IllegalStateException("PostgreSQL data directory " + dataDir + " is not writable");
    }
    int chosenPort = port != 0 ? port : FreePorts.pick(EmbeddedKafka.HOST);
    if (!FreePorts.isFree(EmbeddedKafka.HOST, chosenPort)) {
      throw new IllegalStateException(
          "PostgreSQL port " + chosenPort + " on 127.0.0.1 is already in use");
    }
    io.zonky.test.db.postgres.embedded.EmbeddedPostgres server;
    try {
      server =
          io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
              .setPort(chosenPort)
              .setDataDirectory(dataDir)
              .setCleanDataDirectory(false)
              // zonky unpacks its binaries under java.io.tmpdir unless told otherwise; keep them
              // here.
              .setOverrideWorkingDirectory(binDir.toFile())
              .setServerConfig("listen_addresses", EmbeddedKafka.HOST)
              // Our own close() stops it; a second hook would race it at JVM exit.
              .setRegisterShutdownHook(false)
              .start();
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException(
          "embedded PostgreSQL in "
              + dir
              + " failed to start on port "
              + chosenPort
              + ": "
              + e.getMessage(),
          e);
    }
    var pg =
        new EmbeddedPostgres(
            server,
            new DatabaseEndpoint(jdbcUrl(server.getPort(), database), SUPERUSER, SUPERUSER));
    try {
      pg.createDatabaseIfMissing(database);
    } catch (RuntimeException e) {
      pg.close();
      throw e;
    }
    return pg;
  }

  /** JDBC URL, user and password of the database created at start. */
  @Override
  public DatabaseEndpoint endpoint() {
    return endpoint;
  }

  /** The port the server listens on. */
  public int port() {
    return server.getPort();
  }

  /** Stops the server (fast shutdown) and waits for it; the data directory is kept. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      throw new IllegalStateException(
          "stopping embedded PostgreSQL on port " + port() + " failed: " + e.getMessage(), e);
    }
  }

  /** The server listens on 127.0.0.1 only; "localhost" may resolve to ::1 first. */
  static String jdbcUrl(int port, String database) {
    return "jdbc:postgresql://" + EmbeddedKafka.HOST + ":" + port + "/" + database;
  }

  private void createDatabaseIfMissing(String database) {
    try (var c = server.getPostgresDatabase().getConnection();
        var check = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
      check.setString(1, database);
      try (var rs = check.executeQuery()) {
        if (rs.next()) {
          return;
        }
      }
      try (var create = c.createStatement()) {
        // Name validated against DATABASE_NAME above; DDL cannot take a bind parameter.
        create.execute("CREATE DATABASE " + database);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "creating database '" + database + "' failed: " + e.getMessage(), e);
    }
  }
}
