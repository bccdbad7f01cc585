package dev.grpo.rewardapi;

import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * Scores one completion. The reward service does the batching, the parallelism and the time limits;
 * a checker only has to look at one {@link CheckInput} and say how good it is.
 *
 * <p>Implementations must be thread-safe (one instance scores many completions at once),
 * deterministic, and must bound their own work on hostile input: cap input sizes, use linear-time
 * regular expressions on model text, and never evaluate model text as code outside a sandbox. The
 * service still enforces a wall-clock limit, but a Java thread that ignores interruption cannot be
 * stopped, so a checker that may loop must check {@link Thread#interrupted()}.
 *
 * <p>Checkers are found by name: through {@link java.util.ServiceLoader} (either as a {@code
 * Checker} directly or through a {@link CheckerProvider}) or registered explicitly with {@link
 * CheckerRegistry#create(ClassLoader, java.util.Collection)}.
 */
public interface Checker {

  /** The unique name used in reward specs, e.g. {@code "math_equiv"}; lower snake case. */
  String name();

  /** One or two sentences for humans, shown by {@code GET /checkers}. */
  String description();

  /**
   * The parameters this checker accepts; names not listed here are rejected by {@link #validate}.
   */
  List<ParamSpec> params();

  /**
   * Checks a parameter map before any scoring, so that a bad reward spec fails fast with a clear
   * error instead of producing wrong rewards. The default implementation rejects unknown names and
   * checks every declared parameter against its {@link ParamSpec}; override it (calling {@code
   * Checker.super.validate(params)} first) to add rules that span several parameters.
   *
   * @param params the parameters from the reward spec, never {@code null} (may be empty)
   * @throws InvalidCheckerParamsException naming the parameter, the value and the rule
   */
  default void validate(Map<String, Object> params) {
    var known = new HashSet<String>();
    for (ParamSpec spec : params()) {
      known.add(spec.name());
      spec.check(params.get(spec.name()));
    }
    for (var name : params.keySet()) {
      if (!known.contains(name)) {
        throw new InvalidCheckerParamsException(
            name, params.get(name), "a known parameter of " + name() + " (one of " + known + ")");
      }
    }
  }

  /**
   * Scores one completion. Never throws for bad model output: return a {@link CheckResult.Scored}
   * with score 0 and a reason instead. An exception is treated by the service as a checker bug and
   * recorded as score 0 with the exception as reason.
   *
   * @param input the completion and its context; {@code input.params()} has passed {@link
   *     #validate}
   * @return a score with a reason, or {@link CheckResult.NotApplicable} when this sample cannot be
   *     judged by this checker (e.g. its task carries no gold answer)
   */
  CheckResult check(CheckInput input);
}
