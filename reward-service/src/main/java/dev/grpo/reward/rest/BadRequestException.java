package dev.grpo.reward.rest;

/** A request field broke a rule; answered with 400 and an {@link ApiError}. */
public class BadRequestException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String field;

  /**
   * @param field path of the offending field
   * @param message the full message, starting with the field path
   */
  public BadRequestException(String field, String message) {
    super(message);
    this.field = field;
  }

  /** Path of the offending field. */
  public String field() {
    return field;
  }
}
