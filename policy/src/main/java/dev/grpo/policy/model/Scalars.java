package dev.grpo.policy.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.function.BinaryOperator;

/**
 * Element-wise operations of a tensor with a number, safe inside a recorded graph.
 *
 * <p>Why not {@code x.mul(2f)}: DJL's PyTorch engine turns the number into a 0-d tensor whose
 * storage is a Java direct buffer ({@code from_blob}), runs the op, and closes that tensor at once.
 * Autograd has saved it for the backward pass (the gradient of {@code x * s} is {@code g * s}), but
 * once closed nothing in Java holds the buffer, so a garbage collection before the backward frees
 * its memory and the backward reads whatever lies there: a wrong gradient, sometimes non-finite. A
 * test with the collector running in a loop turned a gradient norm of 4.7e4 into 1e25. Here the
 * number becomes a tensor that libtorch allocates itself ({@code full}), which autograd keeps alive
 * by reference count. Use these on every path that may record a graph.
 */
public final class Scalars {
  private Scalars() {}

  /** {@code x * v}. */
  public static NDArray mul(NDArray x, double v) {
    return with(x, v, NDArray::mul);
  }

  /** {@code x / v}. */
  public static NDArray div(NDArray x, double v) {
    return with(x, v, NDArray::div);
  }

  /** {@code x + v}. */
  public static NDArray add(NDArray x, double v) {
    return with(x, v, NDArray::add);
  }

  /** {@code x - v}. */
  public static NDArray sub(NDArray x, double v) {
    return with(x, v, NDArray::sub);
  }

  /** {@code max(x, v)} element-wise. */
  public static NDArray maximum(NDArray x, double v) {
    return with(x, v, NDArray::maximum);
  }

  /** {@code min(x, v)} element-wise. */
  public static NDArray minimum(NDArray x, double v) {
    return with(x, v, NDArray::minimum);
  }

  /**
   * {@code op(x, v)}; the Java handle of {@code v}'s tensor is closed after the op, its memory
   * stays for as long as the graph holds it.
   */
  private static NDArray with(NDArray x, double v, BinaryOperator<NDArray> op) {
    try (NDArray s = of(x, v)) {
      return op.apply(x, s);
    }
  }

  /** A 0-d tensor of {@code v} in libtorch's own memory, of {@code like}'s type and device. */
  private static NDArray of(NDArray like, double v) {
    return like.getManager().full(new Shape(), (float) v, like.getDataType());
  }
}
