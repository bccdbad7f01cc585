package dev.grpo.trainer.run;

/** A run configuration broke a rule; carries the field path, the offending value and the rule. */
public class InvalidRunConfigException extends IllegalArgumentException {
  private final String field;
  private final String value;
  private final String rule;

  /**
   * @param field path of the field, e.g. {@code loss.epsLow}
   * @param value the offending value as text
   * @param rule what the value must satisfy, e.g. {@code be in [0, 1)}
   */
  public InvalidRunConfigException(String field, Object value, String rule) {
    super(field + " must " + rule + ", was " + value);
    this.field = field;
    this.value = String.valueOf(value);
    this.rule = rule;
  }

  /** A rule broken with a full message from elsewhere (e.g. the reward spec validator). */
  public InvalidRunConfigException(String field, Object value, String rule, String message) {
    super(message);
    this.field = field;
    this.value = String.valueOf(value);
    this.rule = rule;
  }

  /** Path of the offending field. */
  public String field() {
    return field;
  }

  /** The offending value as text. */
  public String value() {
    return value;
  }

  /** The rule it breaks. */
  public String rule() {
    return rule;
  }
}
