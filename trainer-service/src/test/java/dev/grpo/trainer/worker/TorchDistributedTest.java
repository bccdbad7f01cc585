package dev.grpo.trainer.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * 2 ranks (DDP over gloo, started through env://) and 1 rank on the same global batch give the same
 * losses, gradient norms and parameters after two steps (1e-5), for every loss variant: the
 * worker's own test ({@code trainer-worker/tests/test_distributed.py}) run as real processes.
 */
class TorchDistributedTest {

  @Test
  void twoRanksMatchOneRank() throws Exception {
    try {
      WorkerGroup.preflight("/usr/bin/python3");
    } catch (WorkerException e) {
      assumeThat(e.getMessage()).as("python3 with torch is needed").isNull();
    }
    Path script = Path.of("../trainer-worker/tests/test_distributed.py").toAbsolutePath();
    Process p =
        new ProcessBuilder("/usr/bin/python3", script.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
    System.out.println(out);
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("OK: 2 ranks == 1 rank");
  }
}
