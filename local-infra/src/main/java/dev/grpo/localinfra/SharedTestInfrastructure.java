package dev.grpo.localinfra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * One Kafka broker and one PostgreSQL per test JVM, started on first use and stopped by a shutdown
 * hook, so that every {@code @QuarkusTest} class (and every Quarkus restart between test profiles)
 * reuses them instead of paying a start each time.
 *
 * <p>Which kind is started: Testcontainers when {@link TestcontainersSwitch} is on; otherwise for
 * PostgreSQL the existing server of {@link ExistingPostgres} when {@code GRPO_DATASOURCE_URL} is
 * set, else {@link EmbeddedPostgres}; for Kafka {@link EmbeddedKafka}. Embedded data lives under
 * the module's {@code target/} and is deleted at JVM exit.
 */
public final class SharedTestInfrastructure {

  /** Test database name for the embedded server. */
  public static final String TEST_DATABASE = "grpo_test";

  private static KafkaBroker kafka;
  private static PostgresServer postgres;

  private SharedTestInfrastructure() {}

  /** The shared broker, started on the first call. */
  public static synchronized KafkaBroker kafka() {
    if (kafka == null) {
      if (TestcontainersSwitch.enabled()) {
        kafka =
            TestcontainersSwitch.startContainer(
                TestcontainersSwitch.CONTAINER_KAFKA, KafkaBroker.class);
        closeAtExit(kafka, null);
      } else {
        Path dir = scratchDir("kafka");
        kafka = EmbeddedKafka.start(dir, 0);
        closeAtExit(kafka, dir);
      }
    }
    return kafka;
  }

  /** The shared database, started (or located) on the first call. */
  public static synchronized PostgresServer postgres() {
    if (postgres == null) {
      if (TestcontainersSwitch.enabled()) {
        postgres =
            TestcontainersSwitch.startContainer(
                TestcontainersSwitch.CONTAINER_POSTGRES, PostgresServer.class);
        closeAtExit(postgres, null);
      } else {
        var existing = ExistingPostgres.fromEnvironment();
        if (existing.isPresent()) {
          var endpoint = existing.get();
          ExistingPostgres.whyUnreachable(endpoint)
              .ifPresent(
                  reason -> {
                    throw new IllegalStateException(
                        reason
                            + " ("
                            + ExistingPostgres.URL_VARIABLE
                            + " is set; unset it to use the embedded server)");
                  });
          postgres =
              new PostgresServer() {
                @Override
                public DatabaseEndpoint endpoint() {
                  return endpoint;
                }

                @Override
                public void close() {
                  // Not ours to stop.
                }
              };
        } else {
          Path dir = scratchDir("postgres");
          postgres = EmbeddedPostgres.start(dir, 0, TEST_DATABASE);
          closeAtExit(postgres, dir);
        }
      }
    }
    return postgres;
  }

  /**
   * Under the module's {@code target/} when the JVM runs in a module directory (surefire, IDEs),
   * else under {@code java.io.tmpdir}; never straight into /tmp from a build.
   */
  static Path scratchDir(String what) {
    Path target = Path.of("target");
    Path base = Files.isDirectory(target) ? target : Path.of(System.getProperty("java.io.tmpdir"));
    try {
      return Files.createDirectories(
          base.toAbsolutePath()
              .resolve("grpo-infra")
              // The pid and this class's loader: a @QuarkusTest's class loader and the plain
              // tests' one each hold their own copy of this class in one surefire JVM.
              .resolve(
                  what
                      + "-"
                      + ProcessHandle.current().pid()
                      + "-"
                      + Integer.toHexString(
                          System.identityHashCode(SharedTestInfrastructure.class))));
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot create a " + what + " directory under " + base + ": " + e, e);
    }
  }

  private static void closeAtExit(AutoCloseable service, Path dirToDelete) {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    service.close();
                  } catch (Exception e) {
                    System.err.println("stopping " + service + " at exit failed: " + e);
                  }
                  if (dirToDelete != null) {
                    deleteRecursively(dirToDelete);
                  }
                },
                "grpo-infra-shutdown"));
  }

  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("could not delete " + dir + ": " + e);
    }
  }
}
