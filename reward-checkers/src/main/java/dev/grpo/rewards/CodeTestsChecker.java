package dev.grpo.rewards;

import dev.grpo.rewardapi.CheckInput;
import dev.grpo.rewardapi.CheckResult;
import dev.grpo.rewardapi.ParamSpec;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * {@code code_tests}: the last fenced code block after the last {@code </think>} is run with {@code
 * python3} in the {@link Sandbox} once per test case (stdin in, stdout compared); the score is the
 * fraction of tests passed. Without a working sandbox the checker refuses (not applicable, with the
 * reason) and never runs model code.
 */
public final class CodeTestsChecker extends BuiltinChecker<List<?>> {
  static final ParamSpec TIMEOUT_MILLIS =
      ParamSpec.integer("timeoutMillis", 2_000L, "wall-clock limit per test case")
          .atLeast(100)
          .atMost(30_000);
  static final ParamSpec MEMORY_MB =
      ParamSpec.integer("memoryMb", 512L, "address-space limit (RLIMIT_AS) in MiB")
          .atLeast(32)
          .atMost(8_192);
  static final ParamSpec MAX_PROCESSES =
      ParamSpec.integer(
              "maxProcesses",
              64L,
              "RLIMIT_NPROC for the sandbox user (shared by concurrent sandboxes)")
          .atLeast(1)
          .atMost(1_024);

  /** More test cases than this are not run; the spec is rejected at scoring time. */
  static final int MAX_TESTS = 100;

  /** stdin per test case. */
  static final int MAX_INPUT_CHARS = 1024 * 1024;

  private final Sandbox sandbox;

  /** Uses the machine's sandbox, probed lazily once per class. */
  public CodeTestsChecker() {
    this(null);
  }

  /** Uses the given sandbox (tests), or the lazily detected one when null. */
  public CodeTestsChecker(Sandbox sandbox) {
    this.sandbox = sandbox;
  }

  private static final class Detected {
    static final Sandbox SANDBOX = Sandbox.detect();
  }

  Sandbox sandbox() {
    return sandbox != null ? sandbox : Detected.SANDBOX;
  }

  @Override
  public String name() {
    return "code_tests";
  }

  @Override
  public String description() {
    return "fraction of verification.tests ({input, output} pairs) passed by the last fenced code"
        + " block, run with python3 in a bubblewrap sandbox (no network, rlimits, wall-clock"
        + " limit); not applicable when no sandbox is available.";
  }

  @Override
  public List<ParamSpec> params() {
    return List.of(TIMEOUT_MILLIS, MEMORY_MB, MAX_PROCESSES);
  }

  /** The test cases, at most {@link #MAX_TESTS}; each is checked when it runs. */
  @Override
  Reference<List<?>> reference(CheckInput input) {
    if (!(input.verification().get("tests") instanceof List<?> tests) || tests.isEmpty()) {
      return Reference.missing(
          "verification.tests (a non-empty list of {input, output}) is missing");
    }
    if (tests.size() > MAX_TESTS) {
      return Reference.missing(
          "verification.tests has " + tests.size() + " cases, over the cap of " + MAX_TESTS);
    }
    return Reference.of(tests);
  }

  @Override
  CheckResult score(CheckInput input, List<?> tests) {
    var sandbox = sandbox();
    if (!sandbox.available()) {
      return CheckResult.notApplicable("code_tests refused: " + sandbox.unavailableReason());
    }
    var program = lastCodeBlock(ModelText.answerRegion(input.completion()));
    if (program == null) {
      return CheckResult.scored(0, "no fenced code block after the last </think>");
    }
    if (program.length() > Sandbox.MAX_PROGRAM_CHARS || program.indexOf('\0') >= 0) {
      return CheckResult.scored(
          0, "code block over " + Sandbox.MAX_PROGRAM_CHARS + " chars or has NUL");
    }
    long wallMillis = input.longParam(TIMEOUT_MILLIS);
    var limits =
        new Sandbox.Limits(
            wallMillis,
            Math.max(1, (wallMillis + 999) / 1000),
            input.longParam(MEMORY_MB) << 20,
            (int) input.longParam(MAX_PROCESSES));
    int passed = 0;
    String firstFailure = null;
    for (int i = 0; i < tests.size(); i++) {
      if (!(tests.get(i) instanceof Map<?, ?> test)
          || !(test.get("output") instanceof String expected)) {
        return CheckResult.notApplicable(
            "verification.tests[" + i + "] must be {input, output} strings");
      }
      var stdin = test.get("input") == null ? "" : String.valueOf(test.get("input"));
      if (stdin.length() > MAX_INPUT_CHARS) {
        return CheckResult.notApplicable(
            "verification.tests[" + i + "].input over " + MAX_INPUT_CHARS + " chars");
      }
      Sandbox.Result result;
      try {
        result = sandbox.run(program, stdin, limits);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return CheckResult.scored(
            (double) passed / tests.size(), "interrupted after " + i + " tests");
      } catch (IOException e) {
        return CheckResult.scored(0, "sandbox failed to run: " + e.getMessage());
      }
      String failure =
          switch (result.outcome()) {
            case WALL_TIMEOUT -> "timed out after " + wallMillis + " ms";
            case OUTPUT_TOO_LARGE -> "wrote more than " + Sandbox.MAX_OUTPUT_BYTES + " bytes";
            case EXITED ->
                result.exitCode() != 0
                    ? "exited with " + result.exitCode() + lastLine(result.stderrTail())
                    : sameOutput(result.stdout(), expected) ? null : "wrong output";
          };
      if (failure == null) {
        passed++;
      } else if (firstFailure == null) {
        firstFailure = "test " + i + ": " + failure;
      }
    }
    return CheckResult.scored(
        (double) passed / tests.size(),
        passed
            + "/"
            + tests.size()
            + " tests passed"
            + (firstFailure == null ? "" : "; first failure " + firstFailure));
  }

  /** The body of the last complete ``` fence (any language tag), or null. */
  static String lastCodeBlock(String text) {
    int close = text.lastIndexOf("```");
    if (close < 0) {
      return null;
    }
    int open = text.lastIndexOf("```", close - 1);
    if (open < 0 || close - open < 3) {
      return null;
    }
    int bodyStart = text.indexOf('\n', open);
    if (bodyStart < 0 || bodyStart > close) {
      return null;
    }
    return text.substring(bodyStart + 1, close);
  }

  /** Equal up to trailing whitespace on each line and trailing blank lines. */
  static boolean sameOutput(String actual, String expected) {
    return canonical(actual).equals(canonical(expected));
  }

  private static String canonical(String s) {
    var lines = s.replace("\r\n", "\n").split("\n", -1);
    var out = new StringBuilder(s.length());
    for (var line : lines) {
      out.append(line.stripTrailing()).append('\n');
    }
    return out.toString().stripTrailing();
  }

  private static String lastLine(String stderr) {
    var trimmed = stderr.strip();
    int nl = trimmed.lastIndexOf('\n');
    var line = nl >= 0 ? trimmed.substring(nl + 1) : trimmed;
    return line.isEmpty() ? "" : " (" + (line.length() > 120 ? line.substring(0, 120) : line) + ")";
  }
}
