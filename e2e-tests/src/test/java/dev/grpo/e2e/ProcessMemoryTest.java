package dev.grpo.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProcessMemoryTest {
  @Test
  void readsVmRssInKib() {
    assertThat(
            ProcessMemory.vmRssKib(
                "Name:\tjava\nVmPeak:\t 9 kB\nVmRSS:\t  524288 kB\nThreads: 3\n"))
        .isEqualTo(524_288);
    assertThat(ProcessMemory.vmRssKib("Name:\tjava\n")).isEqualTo(-1);
  }

  @Test
  void readsThisProcessOnLinux() {
    long own = ProcessMemory.rssKib(ProcessHandle.current().pid());
    if (System.getProperty("os.name").startsWith("Linux")) {
      assertThat(own).isPositive();
    }
    assertThat(ProcessMemory.rssKib(Long.MAX_VALUE)).isEqualTo(-1);
  }

  @Test
  void memoryThatLevelsOffIsBoundedAndMemoryThatKeepsGrowingIsNot() {
    var flat = new ChaosScenario.Memory("rollout-service", 400_000, 600_000, 650_000, 650_000);
    var growing = new ChaosScenario.Memory("reward-service", 400_000, 600_000, 900_000, 900_000);
    assertThat(ChaosScenario.memoryViolations(java.util.List.of(flat))).isEmpty();
    assertThat(ChaosScenario.memoryViolations(java.util.List.of(flat, growing)))
        .singleElement()
        .asString()
        .contains("reward-service");
  }
}
