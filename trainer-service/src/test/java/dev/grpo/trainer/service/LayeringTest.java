package dev.grpo.trainer.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layering every service shares: {@code messaging} holds the Kafka clients and calls {@code
 * service}; {@code service} is the runs' logic and imports neither Kafka, nor Quarkus or CDI, nor
 * the trainer's {@code messaging} and {@code rest}.
 */
class LayeringTest {
  private static final Path SERVICE = Path.of("src/main/java/dev/grpo/trainer/service");
  private static final List<String> FORBIDDEN =
      List.of(
          "org.apache.kafka.",
          "io.quarkus.",
          "jakarta.",
          "dev.grpo.trainer.messaging.",
          "dev.grpo.trainer.rest.");

  @Test
  void servicePackageImportsNeitherKafkaNorQuarkusNorTheLayersAboveIt() throws IOException {
    assertThat(SERVICE).isDirectory();
    List<String> offending = new ArrayList<>();
    try (Stream<Path> files = Files.list(SERVICE)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        for (String line : Files.readAllLines(file)) {
          if (line.startsWith("import ") && FORBIDDEN.stream().anyMatch(line::contains)) {
            offending.add(file.getFileName() + ": " + line);
          }
        }
      }
    }
    assertThat(offending).isEmpty();
  }
}
