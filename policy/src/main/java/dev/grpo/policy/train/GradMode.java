package dev.grpo.policy.train;

import ai.djl.pytorch.jni.JniUtils;

/**
 * Switches PyTorch's autograd recording for the current thread and restores it on close.
 *
 * <p>Grad mode is thread-local in PyTorch and a fresh thread starts with it ON, so code that must
 * not record a graph (reference and old-policy log-probs, optimizer updates, which modify leaf
 * tensors in place) switches it off explicitly instead of trusting the caller's thread.
 */
final class GradMode implements AutoCloseable {

  private final boolean previous;

  private GradMode(boolean enabled) {
    previous = JniUtils.isGradMode();
    JniUtils.setGradMode(enabled);
  }

  /** Turns recording off until {@link #close()}. */
  static GradMode disabled() {
    return new GradMode(false);
  }

  @Override
  public void close() {
    JniUtils.setGradMode(previous);
  }
}
