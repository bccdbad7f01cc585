package dev.grpo.localinfra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/** Fresh directories under java.io.tmpdir, which surefire points into target/. */
final class TestDirs {

  private TestDirs() {}

  static Path fresh(String prefix) {
    try {
      return Files.createDirectories(
          Path.of(System.getProperty("java.io.tmpdir"), "it-" + prefix + "-" + UUID.randomUUID()));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
