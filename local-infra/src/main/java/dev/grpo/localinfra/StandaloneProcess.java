package dev.grpo.localinfra;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * What the standalone main classes share: settings from the environment, a one-line refusal with a
 * non-zero exit when they cannot start, a {@code READY} line the scripts wait for, and running
 * until SIGTERM/SIGINT with an orderly stop.
 */
final class StandaloneProcess {

  /** Exit status for a refusal that names its reason (port taken, directory not writable...). */
  static final int EXIT_REFUSED = 2;

  private StandaloneProcess() {}

  static int intSetting(String variable, int defaultValue) {
    String value = System.getenv(variable);
    if (value == null || value.isBlank()) {
      return defaultValue;
    }
    try {
      int port = Integer.parseInt(value.trim());
      if (port < 1 || port > 65_535) {
        throw new NumberFormatException();
      }
      return port;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          variable + " must be a port between 1 and 65535, was '" + value + "'");
    }
  }

  static Path pathSetting(String variable, String defaultValue) {
    String value = System.getenv(variable);
    return Path.of(value == null || value.isBlank() ? defaultValue : value).toAbsolutePath();
  }

  /** Starts {@code service}, prints the READY line, blocks until the JVM is asked to stop. */
  static void run(String name, ServiceStarter starter) {
    AutoCloseable service;
    try {
      service = starter.start();
    } catch (RuntimeException e) {
      System.err.println(name + ": refusing to start: " + e.getMessage());
      System.exit(EXIT_REFUSED);
      return;
    }
    var stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    service.close();
                    System.out.println(name + ": stopped");
                  } catch (Exception e) {
                    System.err.println(name + ": stop failed: " + e);
                  } finally {
                    stopped.countDown();
                  }
                },
                name + "-shutdown"));
    System.out.println("READY " + starter.describe(service));
    System.out.flush();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Starts one service and says how to reach it. */
  interface ServiceStarter {
    AutoCloseable start();

    String describe(AutoCloseable service);
  }
}
