package dev.grpo.policy.train;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Tests run libtorch with one intra-op thread: on the shared 2-core build machine, with other
 * builds running, OpenMP's spinning worker threads made a 0.2M-parameter forward take 500-800 ms
 * with 2 threads against 15 ms with 1 (measured). Throughput is measured in the benchmark harness,
 * not here.
 */
final class TestTorchThreads {

  private TestTorchThreads() {}

  static void useOne() {
    Engine.getEngine("PyTorch"); // loads the native library before the first JniUtils call
    JniUtils.setNumThreads(1);
  }
}
