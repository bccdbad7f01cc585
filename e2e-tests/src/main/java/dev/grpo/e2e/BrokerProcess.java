package dev.grpo.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The local Kafka broker ({@code local-infra} {@code KafkaMain}, as {@code infra/local/kafka} runs
 * it) in its own JVM, so that it can be killed with -9 and started again on the same port and data
 * directory: what a broker crash and restart look like to the services.
 */
final class BrokerProcess implements AutoCloseable {
  private static final String MAIN = "dev.grpo.localinfra.KafkaMain";

  private final int port;
  private final Path dataDir;
  private final Path logDir;
  private final String classpath;
  private Process process;
  private int starts;

  private BrokerProcess(int port, Path dataDir, Path logDir, String classpath) {
    this.port = port;
    this.dataDir = dataDir;
    this.logDir = logDir;
    this.classpath = classpath;
  }

  /**
   * Starts a broker on a free port with an empty data directory under {@code dir}, and waits for
   * it.
   *
   * @param classpath a classpath holding local-infra and the Kafka server
   */
  static BrokerProcess start(Path dir, String classpath, Duration timeout) throws Exception {
    Path data = dir.resolve("kafka-data");
    SharedDirs.deleteRecursively(data);
    var b = new BrokerProcess(ServiceProcess.freePort(), data, dir, classpath);
    b.startProcess(timeout);
    return b;
  }

  /**
   * The classpath of the running JVM: under surefire/failsafe the real one (their booter jar only
   * names it in its manifest), else {@code java.class.path}.
   */
  static String currentClasspath() {
    return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
  }

  String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  long pid() {
    return process.pid();
  }

  /** kill -9, as a machine crash would. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** Starts it again on the same port and data directory. */
  void restart(Duration timeout) throws Exception {
    if (process.isAlive()) {
      throw new IllegalStateException("the broker still runs (pid " + process.pid() + ")");
    }
    startProcess(timeout);
  }

  private void startProcess(Duration timeout) throws Exception {
    Files.createDirectories(logDir);
    Path log = logDir.resolve("kafka-" + (starts++) + ".log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    var pb =
        new ProcessBuilder(
            List.of(java, "-Xmx512m", "-Djava.io.tmpdir=" + logDir, "-cp", classpath, MAIN));
    pb.environment().put("KAFKA_PORT", Integer.toString(port));
    pb.environment().put("KAFKA_DATA_DIR", dataDir.toString());
    pb.redirectErrorStream(true);
    pb.redirectOutput(log.toFile());
    process = pb.start();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.readString(log).lines().anyMatch(l -> l.startsWith("READY "))) {
        return;
      }
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "the broker exited with status " + process.exitValue() + "; see " + log);
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(
        "the broker not ready after " + timeout.toSeconds() + " s; see " + log);
  }

  @Override
  public void close() {
    if (process != null) {
      ServiceProcess.stop(process);
    }
  }

  /** For the data directory of a fresh broker. */
  static final class SharedDirs {
    private SharedDirs() {}

    static void deleteRecursively(Path dir) throws IOException {
      if (!Files.exists(dir)) {
        return;
      }
      try (var paths = Files.walk(dir)) {
        for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }
}
