package dev.grpo.policy.model;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Sets libtorch's intra-op and inter-op thread counts for this process.
 *
 * <p>Why it matters: on a small shared machine (the demo runs three services on two cores)
 * libtorch's default of one thread per core oversubscribes the CPU, and a forward pass was measured
 * 30-50x slower with two threads than with one. The native library must be loaded before {@link
 * JniUtils} can be called, so this loads the engine first.
 */
public final class TorchThreads {
  private TorchThreads() {}

  /**
   * Applies the thread counts; a value {@code <= 0} keeps libtorch's default for that pool.
   *
   * @throws IllegalStateException if the PyTorch engine cannot be loaded
   */
  public static void configure(int intraOpThreads, int interOpThreads) {
    Engine.getEngine("PyTorch");
    if (intraOpThreads > 0) {
      JniUtils.setNumThreads(intraOpThreads);
    }
    if (interOpThreads > 0) {
      // libtorch refuses to change the inter-op pool once it has started; that is not fatal.
      try {
        JniUtils.setNumInteropThreads(interOpThreads);
      } catch (RuntimeException alreadyStarted) {
        // keep the running pool
      }
    }
  }
}
