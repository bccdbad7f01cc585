package dev.grpo.rollout.policy;

/** No policy can serve a run: none was announced and the task names no checkpoint. */
public class NoPolicyException extends RuntimeException {
  public NoPolicyException(String message) {
    super(message);
  }
}
