package dev.grpo.localinfra;

import java.nio.file.Path;
import java.util.Map;

/**
 * The standalone local broker behind {@code infra/local/kafka}: an {@link EmbeddedKafka} in its own
 * process that keeps its data between runs.
 *
 * <p>Settings (environment): {@code KAFKA_PORT} (default {@value #DEFAULT_PORT}), {@code
 * KAFKA_DATA_DIR} (default {@code work/kafka} in the working directory). Prints {@code READY
 * bootstrap=127.0.0.1:PORT dir=...} once clients can connect; on a refusal prints one line to
 * stderr and exits with status 2.
 */
public final class KafkaMain {

  public static final int DEFAULT_PORT = 9092;

  /**
   * After kill -9, the restarted node's controller still holds the dead broker's registration and
   * refuses the new one until that broker's session expires (default 9 s): a restart took 15 s
   * instead of 7 s (the chaos suite, docs/benchmarks.md). A single node has no peer whose
   * heartbeats could be late, so its session is short. The in-JVM test broker never restarts and
   * keeps the defaults.
   */
  static final Map<String, String> RESTART_AFTER_CRASH =
      Map.of("broker.session.timeout.ms", "2000", "broker.heartbeat.interval.ms", "500");

  private KafkaMain() {}

  public static void main(String[] args) {
    int port;
    Path dir;
    try {
      port = StandaloneProcess.intSetting("KAFKA_PORT", DEFAULT_PORT);
      dir = StandaloneProcess.pathSetting("KAFKA_DATA_DIR", "work/kafka");
    } catch (IllegalArgumentException e) {
      System.err.println("kafka: refusing to start: " + e.getMessage());
      System.exit(StandaloneProcess.EXIT_REFUSED);
      return;
    }
    StandaloneProcess.run(
        "kafka",
        new StandaloneProcess.ServiceStarter() {
          @Override
          public AutoCloseable start() {
            return EmbeddedKafka.start(dir, port, RESTART_AFTER_CRASH);
          }

          @Override
          public String describe(AutoCloseable service) {
            return "bootstrap=" + ((EmbeddedKafka) service).bootstrapServers() + " dir=" + dir;
          }
        });
  }
}
