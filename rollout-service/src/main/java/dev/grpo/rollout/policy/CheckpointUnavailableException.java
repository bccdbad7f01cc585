package dev.grpo.rollout.policy;

/** A checkpoint could not be resolved, verified or loaded; the message says which and why. */
public class CheckpointUnavailableException extends RuntimeException {
  public CheckpointUnavailableException(String message) {
    super(message);
  }

  public CheckpointUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
