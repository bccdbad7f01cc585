package dev.grpo.localinfra;

/** A running PostgreSQL database that tests or local runs use, however it was started. */
public interface PostgresServer extends AutoCloseable {

  /** JDBC URL, user and password of the database. */
  DatabaseEndpoint endpoint();

  /** Stops the server (a no-op for one this process did not start). */
  @Override
  void close();
}
