package dev.grpo.localinfra;

import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;

/**
 * An already running PostgreSQL server named by environment variables, used instead of the embedded
 * one when {@value #URL_VARIABLE} is set.
 *
 * <ul>
 *   <li>{@value #URL_VARIABLE}: JDBC URL, e.g. {@code jdbc:postgresql://127.0.0.1:5432/test}
 *   <li>{@value #USERNAME_VARIABLE}: login role, default {@value #DEFAULT_USERNAME}
 *   <li>{@value #PASSWORD_VARIABLE}: password, default empty (fine for trust auth)
 * </ul>
 */
public final class ExistingPostgres {

  public static final String URL_VARIABLE = "GRPO_DATASOURCE_URL";
  public static final String USERNAME_VARIABLE = "GRPO_DATASOURCE_USERNAME";
  public static final String PASSWORD_VARIABLE = "GRPO_DATASOURCE_PASSWORD";
  public static final String DEFAULT_USERNAME = "postgres";
  private static final int LOGIN_TIMEOUT_SECONDS = 3;

  private ExistingPostgres() {}

  /**
   * The endpoint the process environment names, or empty when {@value #URL_VARIABLE} is unset or
   * blank.
   */
  public static Optional<DatabaseEndpoint> fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  /** As {@link #fromEnvironment()}, reading the variables from {@code env}. */
  public static Optional<DatabaseEndpoint> fromEnvironment(Map<String, String> env) {
    String url = env.get(URL_VARIABLE);
    if (url == null || url.isBlank()) {
      return Optional.empty();
    }
    if (!url.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException(
          URL_VARIABLE + " must be a JDBC URL starting with 'jdbc:postgresql:', was '" + url + "'");
    }
    String user = env.getOrDefault(USERNAME_VARIABLE, DEFAULT_USERNAME);
    return Optional.of(
        new DatabaseEndpoint(
            url,
            user.isBlank() ? DEFAULT_USERNAME : user,
            env.getOrDefault(PASSWORD_VARIABLE, "")));
  }

  /**
   * Checks that the server answers {@code SELECT 1} at {@code endpoint}.
   *
   * @return empty when it does, else the reason it does not
   */
  public static Optional<String> whyUnreachable(DatabaseEndpoint endpoint) {
    java.sql.DriverManager.setLoginTimeout(LOGIN_TIMEOUT_SECONDS);
    try (var c = endpoint.connect();
        var s = c.createStatement();
        var rs = s.executeQuery("SELECT 1")) {
      rs.next();
      return Optional.empty();
    } catch (SQLException e) {
      return Optional.of(
          "PostgreSQL at "
              + endpoint.jdbcUrl()
              + " as "
              + endpoint.username()
              + " does not answer: "
              + e.getMessage());
    }
  }
}
