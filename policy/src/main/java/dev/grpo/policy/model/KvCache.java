package dev.grpo.policy.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Keys and values of every decoder layer for the tokens already processed, so that generation feeds
 * one new token per step instead of the whole sequence.
 *
 * <p>Layout per layer: {@code [batch, numKeyValueHeads, cachedTokens, headDim]} float32, after
 * rotary embedding. The cache owns its arrays (in its own {@link NDManager}); close it when the
 * generation is done. Not thread-safe: one cache belongs to one generation loop.
 */
public final class KvCache implements AutoCloseable {

  private final NDManager manager;
  private final NDArray[] keys;
  private final NDArray[] values;
  private int length;

  KvCache(NDManager parent, int layers) {
    this.manager = parent.newSubManager();
    this.keys = new NDArray[layers];
    this.values = new NDArray[layers];
  }

  /** Tokens cached so far (the "past length" of the next forward call). */
  public int length() {
    return length;
  }

  NDArray keys(int layer) {
    return keys[layer];
  }

  NDArray values(int layer) {
    return values[layer];
  }

  /** Replaces a layer's cache by the extended arrays and frees the old ones. */
  void put(int layer, NDArray k, NDArray v) {
    if (keys[layer] != null) {
      keys[layer].close();
      values[layer].close();
    }
    k.attach(manager);
    v.attach(manager);
    keys[layer] = k;
    values[layer] = v;
  }

  void advance(int tokens) {
    length += tokens;
  }

  @Override
  public void close() {
    manager.close();
  }
}
