package dev.grpo.e2e;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One packaged service ({@code <svc>/target/quarkus-app/quarkus-run.jar}) running as its own JVM,
 * in the prod profile, configured by environment variables exactly as {@code ./grpo} and
 * docs/operations.md configure it; output goes to {@code target/e2e-logs/<svc>.log}.
 */
final class ServiceProcess implements AutoCloseable {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  final String name;
  final int port;
  final Path log;
  private final Process process;

  private ServiceProcess(String name, int port, Path log, Process process) {
    this.name = name;
    this.port = port;
    this.log = log;
    this.process = process;
  }

  /**
   * The repository root: failsafe passes it; an IDE run from the module directory falls back to
   * "..".
   */
  static Path projectRoot() {
    return Path.of(System.getProperty("grpo.project.root", "..")).toAbsolutePath().normalize();
  }

  static ServiceProcess start(String name, Map<String, String> env, Path logDir)
      throws IOException {
    Path jar = projectRoot().resolve(name).resolve("target/quarkus-app/quarkus-run.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          jar
              + " is missing: package the services first (mvn -B verify from the "
              + "repository root builds them before this module, or mvn -B install -DskipTests -pl "
              + name
              + " -am)");
    }
    int port = freePort();
    Files.createDirectories(logDir);
    Path log = logDir.resolve(name + ".log");
    Path tmp = Files.createDirectories(logDir.resolve("tmp-" + name));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
            List.of(
                java,
                "-Xmx768m",
                "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.num_threads=1",
                "-Dai.djl.pytorch.num_interop_threads=1",
                "-Djava.io.tmpdir=" + tmp,
                "-jar",
                jar.toString()));
    pb.directory(projectRoot().toFile());
    pb.environment().putAll(env);
    pb.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
    pb.environment().put("DJL_OFFLINE", "true");
    pb.environment().put("OMP_NUM_THREADS", "1");
    pb.redirectErrorStream(true);
    pb.redirectOutput(log.toFile());
    return new ServiceProcess(name, port, log, pb.start());
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + port);
  }

  boolean alive() {
    return process.isAlive();
  }

  /**
   * Waits for {@code /q/health/ready} to answer 200; fails naming the service and its log if it
   * dies.
   */
  void awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            name
                + " exited with status "
                + process.exitValue()
                + " during start; "
                + describeLog());
      }
      try {
        var r =
            HTTP.send(
                HttpRequest.newBuilder(uri().resolve("/q/health/ready"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // Not listening yet.
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException(
        name + " not ready after " + timeout.toSeconds() + " s; " + describeLog());
  }

  /** The log's path and its last lines, for failure messages. */
  String describeLog() {
    try {
      List<String> lines = Files.readAllLines(log);
      return "log "
          + log
          + ", last lines:\n  "
          + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 25), lines.size()));
    } catch (IOException e) {
      return "log " + log + " (unreadable: " + e + ")";
    }
  }

  /** The service's process id. */
  long pid() {
    return process.pid();
  }

  /**
   * Resident set size of the service's JVM in KiB ({@code VmRSS} of {@code /proc/<pid>/status}), or
   * -1 when it is not running or the file cannot be read (not Linux).
   */
  long rssKib() {
    return ProcessMemory.rssKib(process.pid());
  }

  /** The processes this service started (the torch backend's worker ranks). */
  java.util.stream.Stream<ProcessHandle> descendants() {
    return process.descendants();
  }

  /** kill -9: no shutdown hook, no flush, no goodbye to the broker. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    stop(process);
  }

  /** SIGTERM, up to 30 s for a clean exit, then SIGKILL. */
  static void stop(Process process) {
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
