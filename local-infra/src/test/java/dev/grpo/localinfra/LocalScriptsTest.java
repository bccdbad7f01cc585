package dev.grpo.localinfra;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs {@code infra/local/kafka} for real: start, refusal of a second start, refusal of a taken
 * port and of a missing Java, status and stop. Isolated from the developer's own broker: its own
 * work dir under target/, a free port, and this JVM's classpath instead of the cached build.
 */
class LocalScriptsTest {

  private static final Path SCRIPT =
      Path.of("..", "infra", "local", "kafka").toAbsolutePath().normalize();

  record Result(int exitCode, String stdout, String stderr) {}

  @Test
  void kafkaScriptStartsOnceRefusesSecondStartAndStops() throws Exception {
    var env = isolatedEnv(FreePorts.pick("127.0.0.1"));
    Result start = run(env, "start");
    try {
      assertThat(start.exitCode()).as(start.stderr()).isZero();
      assertThat(start.stdout())
          .startsWith("kafka: running (pid ")
          .contains("bootstrap=127.0.0.1:" + env.get("KAFKA_PORT"));

      Result second = run(env, "start");
      assertThat(second.exitCode()).isEqualTo(1);
      assertThat(second.stderr().strip())
          .matches("kafka: already running \\(pid \\d+\\); use '.*kafka stop' first");

      Result status = run(env, "status");
      assertThat(status.exitCode()).isZero();
      assertThat(status.stdout())
          .contains("running", "bootstrap=127.0.0.1:" + env.get("KAFKA_PORT"));
    } finally {
      Result stop = run(env, "stop");
      assertThat(stop.exitCode()).isZero();
      assertThat(stop.stdout()).startsWith("kafka: stopped (pid ");
    }
    Result after = run(env, "status");
    assertThat(after.exitCode()).isEqualTo(3);
    assertThat(after.stdout().strip()).isEqualTo("kafka: stopped");
  }

  @Test
  void kafkaScriptRefusesATakenPortAndAMissingJava() throws Exception {
    try (var taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      var env = isolatedEnv(taken.getLocalPort());
      Result r = run(env, "start");
      assertThat(r.exitCode()).isEqualTo(1);
      assertThat(r.stderr().strip())
          .isEqualTo(
              "kafka: port "
                  + taken.getLocalPort()
                  + " on 127.0.0.1 is already in use by another process");
    }
    var env = isolatedEnv(FreePorts.pick("127.0.0.1"));
    env.put("JAVA_HOME", "/nonexistent-jdk");
    Result r = run(env, "start");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.stderr().strip())
        .isEqualTo("kafka: Java not found: JAVA_HOME=/nonexistent-jdk has no bin/java");
  }

  private static Map<String, String> isolatedEnv(int port) {
    Path work = TestDirs.fresh("script-work");
    var env = new HashMap<String, String>();
    env.put("GRPO_WORK_DIR", work.toString());
    env.put("KAFKA_PORT", Integer.toString(port));
    env.put("GRPO_INFRA_CLASSPATH", System.getProperty("java.class.path"));
    env.put("JVM_HEAP", "512m");
    return env;
  }

  private static Result run(Map<String, String> env, String command)
      throws IOException, InterruptedException {
    var pb = new ProcessBuilder(List.of("bash", SCRIPT.toString(), command));
    pb.environment().putAll(env);
    Path out = TestDirs.fresh("script-out");
    pb.redirectOutput(out.resolve("stdout").toFile());
    pb.redirectError(out.resolve("stderr").toFile());
    Process p = pb.start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("infra/local/kafka " + command + " did not finish in 90 s");
    }
    return new Result(
        p.exitValue(),
        java.nio.file.Files.readString(out.resolve("stdout"), StandardCharsets.UTF_8),
        java.nio.file.Files.readString(out.resolve("stderr"), StandardCharsets.UTF_8));
  }
}
