package dev.grpo.trainer.service;

/** A scored group that can never be trained: the consumer dead-letters its record. */
public final class UnusableGroupException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UnusableGroupException(String message) {
    super(message);
  }
}
