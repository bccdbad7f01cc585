package dev.grpo.policy.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of every decoder layer for the tokens already processed, so that generation feeds
 * one new token per step instead of the whole sequence.
 *
 * <p>Layout per layer: {@code [batch, numKeyValueHeads, cachedTokens, headDim]} float32, after
 * rotary embedding. The cache owns its arrays (in its own {@link NDManager}); close it when the
 * generation is done. Not thread-safe: one cache belongs to one generation loop.
 *
 * <p>Rows can be selected (a prompt prefilled once and repeated for its G completions, finished
 * rows dropped) and appended (new rows joining a running batch); columns can be padded or trimmed
 * on the left, where the attention mask says 0 anyway. The caller keeps the mask consistent.
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

  /** Rows (sequences) in the cache; 0 when empty. */
  public int rows() {
    return keys[0] == null ? 0 : (int) keys[0].getShape().get(0);
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

  /**
   * Keeps the rows {@code rows} in that order (a row may repeat): {@code rows = [0, 0, 0]} turns a
   * one-row cache into three identical ones, {@code [0, 2]} drops row 1. An empty {@code rows}
   * empties the cache.
   */
  public void selectRows(long[] rows) {
    if (rows.length == 0) {
      clear();
      return;
    }
    if (keys[0] == null) {
      throw new IllegalStateException("selectRows on an empty cache");
    }
    NDArray index = manager.create(rows).toDevice(keys[0].getDevice(), false);
    NDIndex pick = new NDIndex("{}", index);
    for (int l = 0; l < keys.length; l++) {
      put(l, keys[l].get(pick), values[l].get(pick));
    }
    index.close();
  }

  /** Prepends {@code columns} zero columns to every row (positions the mask marks as padding). */
  public void padLeft(int columns) {
    if (columns == 0 || keys[0] == null) {
      length += columns;
      return;
    }
    for (int l = 0; l < keys.length; l++) {
      Shape s = keys[l].getShape();
      NDArray zeros = manager.zeros(new Shape(s.get(0), s.get(1), columns, s.get(3)));
      zeros = zeros.toDevice(keys[l].getDevice(), false);
      put(l, zeros.concat(keys[l], 2), zeros.concat(values[l], 2));
      zeros.close();
    }
    length += columns;
  }

  /** Drops the first {@code columns} columns of every row (they must be padding in every row). */
  public void trimLeft(int columns) {
    if (columns == 0) {
      return;
    }
    if (columns > length) {
      throw new IllegalArgumentException(
          "cannot trim " + columns + " columns from a cache of " + length);
    }
    NDIndex keep = new NDIndex(":, :, " + columns + ":, :");
    for (int l = 0; l < keys.length; l++) {
      put(l, keys[l].get(keep), values[l].get(keep));
    }
    length -= columns;
  }

  /**
   * Appends the rows of {@code other} (same length, same model) after this cache's rows; {@code
   * other} is left empty. An empty cache takes {@code other}'s arrays as they are.
   */
  public void appendRows(KvCache other) {
    if (other.keys.length != keys.length) {
      throw new IllegalArgumentException("caches of different models");
    }
    if (other.keys[0] == null) {
      return;
    }
    if (keys[0] == null) {
      for (int l = 0; l < keys.length; l++) {
        put(l, other.keys[l], other.values[l]);
        other.keys[l] = null;
        other.values[l] = null;
      }
      length = other.length;
      other.length = 0;
      return;
    }
    if (other.length != length) {
      throw new IllegalArgumentException(
          "appendRows needs equal lengths, was " + length + " and " + other.length);
    }
    for (int l = 0; l < keys.length; l++) {
      put(l, keys[l].concat(other.keys[l], 0), values[l].concat(other.values[l], 0));
    }
    other.clear();
  }

  /** Frees every array; the cache is empty (length 0) and can be filled again. */
  public void clear() {
    for (int l = 0; l < keys.length; l++) {
      if (keys[l] != null) {
        keys[l].close();
        values[l].close();
        keys[l] = null;
        values[l] = null;
      }
    }
    length = 0;
  }

  @Override
  public void close() {
    manager.close();
  }
}
