package dev.grpo.contracts;

/**
 * Bytes that are not a valid event of the expected type: malformed JSON, an unknown or missing
 * field, a value of the wrong type, or a value that breaks an invariant of the record. The message
 * names the event type, the field and the rule; no partially filled record is ever returned.
 */
public class EventFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Class<?> eventType;
  private final String field;

  /**
   * @param eventType the type that was being decoded
   * @param field dotted path of the offending field (e.g. {@code "task.sampling.topP"}), or {@code
   *     "$"} for the whole document
   * @param reason what was wrong
   * @param cause the underlying Jackson error
   */
  public EventFormatException(Class<?> eventType, String field, String reason, Throwable cause) {
    super("Invalid " + eventType.getSimpleName() + " at '" + field + "': " + reason, cause);
    this.eventType = eventType;
    this.field = field;
  }

  /** The type that was being decoded. */
  public Class<?> eventType() {
    return eventType;
  }

  /** Dotted path of the offending field, {@code "$"} when the document as a whole is wrong. */
  public String field() {
    return field;
  }
}
