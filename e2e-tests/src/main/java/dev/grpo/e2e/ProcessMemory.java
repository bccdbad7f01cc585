package dev.grpo.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident memory of a process, as Linux reports it in {@code /proc/<pid>/status}. */
final class ProcessMemory {
  private ProcessMemory() {}

  /** {@code VmRSS} of process {@code pid} in KiB, or -1 when it cannot be read. */
  static long rssKib(long pid) {
    try {
      return vmRssKib(Files.readString(Path.of("/proc/" + pid + "/status")));
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** The {@code VmRSS:} value of a {@code /proc/<pid>/status} text in KiB, or -1 if absent. */
  static long vmRssKib(String status) {
    for (String line : status.split("\n")) {
      if (line.startsWith("VmRSS:")) {
        String[] parts = line.substring("VmRSS:".length()).trim().split("\\s+");
        return Long.parseLong(parts[0]);
      }
    }
    return -1;
  }
}
