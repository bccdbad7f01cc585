package dev.grpo.trainer.service;

/** A scored group that can never be trained: the consumer dead-letters its record. */
public final class UnusableGroupException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final StrayGroup stray;

  public UnusableGroupException(String message) {
    this(message, null);
  }

  /**
   * @param stray why the group is none the run waits for, or null when it is just unusable
   */
  public UnusableGroupException(String message, StrayGroup stray) {
    super(message);
    this.stray = stray;
  }

  /** Why the group is none the run waits for, or null. */
  public StrayGroup stray() {
    return stray;
  }
}
