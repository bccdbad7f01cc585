package dev.grpo.rollout.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layering every service shares: {@code messaging} holds the Kafka clients and calls {@code
 * service}; {@code service} is the pure logic and never imports Kafka or {@code messaging}.
 */
class LayeringTest {
  private static final Path SERVICE = Path.of("src/main/java/dev/grpo/rollout/service");

  @Test
  void servicePackageImportsNeitherKafkaNorMessaging() throws IOException {
    assertTrue(Files.isDirectory(SERVICE), SERVICE.toAbsolutePath().toString());
    List<String> offending = new ArrayList<>();
    try (Stream<Path> files = Files.list(SERVICE)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        for (String line : Files.readAllLines(file)) {
          if (line.startsWith("import ")
              && (line.contains("org.apache.kafka.")
                  || line.contains("io.smallrye.reactive.messaging")
                  || line.contains("dev.grpo.rollout.messaging."))) {
            offending.add(file.getFileName() + ": " + line);
          }
        }
      }
    }
    assertEquals(List.of(), offending);
  }
}
