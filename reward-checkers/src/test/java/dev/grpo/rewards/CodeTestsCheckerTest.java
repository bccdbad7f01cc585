package dev.grpo.rewards;

import static dev.grpo.rewards.Checks.map;
import static dev.grpo.rewards.Checks.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.grpo.rewardapi.CheckResult;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Runs real programs in the real sandbox; skipped, with the reason, where bwrap is unusable. */
class CodeTestsCheckerTest {
  private static Sandbox sandbox;
  private static CodeTestsChecker checker;
  private static final Map<String, Object> ADD =
      map(
          "tests",
          List.of(
              map("input", "1 2\n", "output", "3\n"),
              map("input", "5 7\n", "output", "12"),
              map("input", "-1 1\n", "output", "0")));

  @BeforeAll
  static void detect() {
    sandbox = Sandbox.detect();
    checker = new CodeTestsChecker(sandbox);
  }

  private static String code(String body) {
    return "<think>let me write it</think>\n```python\n" + body + "\n```\n";
  }

  private static CheckResult check(
      String body, Map<String, Object> verification, Map<String, Object> params) {
    return run(checker, code(body), verification, params);
  }

  private static void requireSandbox() {
    assumeTrue(
        sandbox.available(),
        () -> "bubblewrap sandbox unusable here: " + sandbox.unavailableReason());
  }

  @Test
  void scoresTheFractionOfTestsPassed() {
    requireSandbox();
    var all = check("a, b = map(int, input().split())\nprint(a + b)", ADD, Map.of());
    assertThat(((CheckResult.Scored) all).score()).as(all.reason()).isEqualTo(1.0);
    var some =
        check("a, b = map(int, input().split())\nprint(a + b if a > 0 else 99)", ADD, Map.of());
    assertThat(((CheckResult.Scored) some).score())
        .isCloseTo(2.0 / 3, org.assertj.core.api.Assertions.within(1e-12));
    assertThat(some.reason()).isEqualTo("2/3 tests passed; first failure test 2: wrong output");
    var crash = check("raise SystemExit(3)", ADD, Map.of());
    assertThat(crash.reason()).startsWith("0/3 tests passed; first failure test 0: exited with 3");
  }

  @Test
  void sleepingForeverIsKilledAtTheWallClockLimit() {
    requireSandbox();
    long start = System.nanoTime();
    var result =
        check(
            "import time\ntime.sleep(3600)",
            map("tests", List.of(map("input", "", "output", ""))),
            map("timeoutMillis", 500));
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(3_000);
    assertThat(result.reason()).contains("timed out after 500 ms");
  }

  @Test
  void forkBombsHitTheProcessLimit() {
    requireSandbox();
    var bomb =
        "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass";
    long start = System.nanoTime();
    var result =
        check(
            bomb,
            map("tests", List.of(map("input", "", "output", ""))),
            map("timeoutMillis", 1_000, "maxProcesses", 16));
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
    assertThat(((CheckResult.Scored) result).score()).isZero();
    // Nothing survives the sandbox.
    assertThat(ProcessHandle.current().descendants().count()).isZero();
  }

  @Test
  void noNetworkNoWritesOutsideTmpNoHostFiles() {
    requireSandbox();
    var probe =
        String.join(
            "\n",
            "import socket, os",
            "try:",
            "    socket.create_connection(('1.1.1.1', 53), timeout=1); print('net')",
            "except OSError: print('no-net')",
            "try:",
            "    open('/usr/pwned', 'w'); print('wrote')",
            "except OSError: print('ro')",
            "open('/tmp/ok', 'w').write('x'); print('tmp')",
            "try:",
            "    open('/tmp/big', 'w').write('x' * 5_000_000); print('big')",
            "except OSError: print('fsize')",
            "print(os.listdir('/root') == [] and os.getuid() != 0)");
    var result =
        check(
            probe,
            map("tests", List.of(map("input", "", "output", "no-net\nro\ntmp\nfsize\nTrue"))),
            Map.of());
    assertThat(((CheckResult.Scored) result).score()).as(result.reason()).isEqualTo(1.0);
    assertThat(Path.of("/usr/pwned")).doesNotExist();
  }

  @Test
  void refusesWithoutASandboxAndNeverRunsTheCode() {
    var none =
        new CodeTestsChecker(
            Sandbox.unavailable("bubblewrap (bwrap) is not installed", Path.of("target")));
    var result = run(none, code("print(3)"), ADD, Map.of());
    assertThat(result).isInstanceOf(CheckResult.NotApplicable.class);
    assertThat(result.reason())
        .isEqualTo("code_tests refused: bubblewrap (bwrap) is not installed");
  }

  @Test
  void noCodeBlockScoresZero() {
    requireSandbox();
    assertThat(run(checker, "print(3)", ADD, Map.of()).reason())
        .isEqualTo("no fenced code block after the last </think>");
  }
}
