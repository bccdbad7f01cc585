package dev.grpo.rewardapi;

/**
 * A checker parameter broke a rule. The message reads {@code params.<name> must be <rule>, was
 * <value>}; {@link RewardSpecValidator} prefixes it with the checker's position in the reward spec.
 */
public class InvalidCheckerParamsException extends IllegalArgumentException {
  private final String param;
  private final transient Object value;
  private final String rule;

  /**
   * @param param the parameter's name
   * @param value the offending value (may be {@code null} for a missing required parameter)
   * @param rule what was expected, e.g. {@code ">= 0"} or {@code "one of [tokens, chars]"}
   */
  public InvalidCheckerParamsException(String param, Object value, String rule) {
    super("params." + param + " must be " + rule + ", was " + describe(value));
    this.param = param;
    this.value = value;
    this.rule = rule;
  }

  /** The parameter's name. */
  public String param() {
    return param;
  }

  /** The offending value. */
  public Object value() {
    return value;
  }

  /** The rule it broke. */
  public String rule() {
    return rule;
  }

  static String describe(Object value) {
    if (value == null) {
      return "missing";
    }
    var text = value instanceof String s ? '"' + s + '"' : String.valueOf(value);
    // Params come from requests; keep error messages bounded.
    return text.length() > 200 ? text.substring(0, 200) + "..." : text;
  }
}
