package dev.grpo.bench.rewards;

import dev.grpo.rewardapi.CheckInput;
import dev.grpo.rewardapi.CheckResult;
import dev.grpo.rewards.MathEquivChecker;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code math_equiv} on one thread: one invocation scores one completion of the mix. Throughput
 * mode gives completions/s/core; SampleTime gives the latency distribution (p50, p99).
 */
@State(Scope.Thread)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx1g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Threads(1)
public class MathEquivBenchmark {
  @Param({"typical", "symbolic"})
  public String mix;

  private final MathEquivChecker checker = new MathEquivChecker();
  private List<CheckInput> inputs;
  private int next;

  @Setup
  public void setUp() {
    inputs = MathAnswerMix.build(mix, 4096, 42);
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public CheckResult throughput() {
    return score();
  }

  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public CheckResult latency() {
    return score();
  }

  private CheckResult score() {
    var input = inputs.get(next);
    next = (next + 1) & (inputs.size() - 1);
    return checker.check(input);
  }
}
