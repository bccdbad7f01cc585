package dev.grpo.rewardapi;

/**
 * A reward spec broke a rule. {@link #field()} is the path of the offending field, e.g. {@code
 * rewardSpec.checkers[1].params.tolerance}, so an HTTP layer can answer 400 naming it.
 */
public class InvalidRewardSpecException extends IllegalArgumentException {
  private final String field;

  /**
   * @param field the path of the offending field
   * @param message the full message, starting with the field path
   */
  public InvalidRewardSpecException(String field, String message) {
    super(message);
    this.field = field;
  }

  /** The path of the offending field. */
  public String field() {
    return field;
  }
}
