package dev.grpo.bench.rewards;

import dev.grpo.rewardapi.CheckInput;
import dev.grpo.rewardapi.CheckResult;
import dev.grpo.rewards.CodeTestsChecker;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code code_tests} on one thread: one invocation scores one completion (a short Python solution)
 * against 3 stdin/stdout tests, i.e. three sandbox launches. Fails at setup when bubblewrap is
 * unusable.
 */
@State(Scope.Thread)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx512m"})
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 2, time = 5)
@Threads(1)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class CodeTestsBenchmark {
  private final CodeTestsChecker checker = new CodeTestsChecker();
  private CheckInput input;

  @Setup
  public void setUp() {
    var completion =
        "<think>read two ints, print the sum</think>\n```python\n"
            + "a, b = map(int, input().split())\nprint(a + b)\n```\n";
    var tests =
        List.of(
            Map.of("input", "1 2\n", "output", "3"),
            Map.of("input", "10 20\n", "output", "30"),
            Map.of("input", "-5 5\n", "output", "0"));
    input = new CheckInput("p", completion, Map.of("tests", tests), Map.of());
    var probe = checker.check(input);
    if (!(probe instanceof CheckResult.Scored s) || s.score() != 1.0) {
      throw new IllegalStateException("code_tests cannot run here: " + probe.reason());
    }
  }

  @Benchmark
  public CheckResult completionWithThreeTests() {
    return checker.check(input);
  }
}
