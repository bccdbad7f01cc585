package dev.grpo.localinfra;

/**
 * Where a PostgreSQL database answers and how to log in: what a service's datasource needs.
 *
 * @param jdbcUrl e.g. {@code jdbc:postgresql://127.0.0.1:5433/grpo}
 * @param username login role
 * @param password password of that role (embedded servers use trust auth, so any value works)
 */
public record DatabaseEndpoint(String jdbcUrl, String username, String password) {

  public DatabaseEndpoint {
    if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException(
          "jdbcUrl must start with 'jdbc:postgresql:', was " + jdbcUrl);
    }
    if (username == null || username.isBlank()) {
      throw new IllegalArgumentException("username must not be blank, was '" + username + "'");
    }
    password = password == null ? "" : password;
  }

  /** Opens a connection with the JDBC driver manager; the caller closes it. */
  public java.sql.Connection connect() throws java.sql.SQLException {
    return java.sql.DriverManager.getConnection(jdbcUrl, username, password);
  }

  /** Quarkus datasource properties ({@code quarkus.datasource.jdbc.url}, username, password). */
  public java.util.Map<String, String> quarkusProperties() {
    return java.util.Map.of(
        "quarkus.datasource.jdbc.url", jdbcUrl,
        "quarkus.datasource.username", username,
        "quarkus.datasource.password", password);
  }
}
