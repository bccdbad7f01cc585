package dev.grpo.rewardapi;

import java.util.Map;
import java.util.Objects;

/**
 * Everything a checker may look at for one completion.
 *
 * @param prompt the prompt text the completion answers (may be empty, never {@code null})
 * @param completion the completion text as generated, including any {@code <think>} part
 * @param completionTokens the completion's length in policy tokens, or {@code -1} when unknown
 *     (e.g. a {@code POST /score} request with text only)
 * @param verification the task's verification data, e.g. {@code {"answer": "42"}}; never null
 * @param params this checker's parameters from the reward spec, already validated; never null
 */
public record CheckInput(
    String prompt,
    String completion,
    int completionTokens,
    Map<String, Object> verification,
    Map<String, Object> params) {

  /** Replaces null maps and prompt with empty ones so checkers need no null checks. */
  public CheckInput {
    prompt = prompt == null ? "" : prompt;
    Objects.requireNonNull(completion, "completion");
    verification = verification == null ? Map.of() : verification;
    params = params == null ? Map.of() : params;
  }

  /** A completion with unknown token count. */
  public CheckInput(
      String prompt,
      String completion,
      Map<String, Object> verification,
      Map<String, Object> params) {
    this(prompt, completion, -1, verification, params);
  }

  /**
   * The value of a parameter, or the default declared by {@code spec} when the spec leaves it out.
   */
  public Object param(ParamSpec spec) {
    var value = params.get(spec.name());
    return value == null ? spec.defaultValue() : value;
  }

  /** A numeric parameter (declared NUMBER or INTEGER) as a double. */
  public double doubleParam(ParamSpec spec) {
    return ((Number) param(spec)).doubleValue();
  }

  /** An INTEGER parameter as a long. */
  public long longParam(ParamSpec spec) {
    return ((Number) param(spec)).longValue();
  }

  /** A BOOLEAN parameter. */
  public boolean booleanParam(ParamSpec spec) {
    return (Boolean) param(spec);
  }

  /** A STRING parameter. */
  public String stringParam(ParamSpec spec) {
    return (String) param(spec);
  }
}
