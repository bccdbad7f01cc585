package dev.grpo.contracts;

/**
 * How {@link Completion#tokenIds()} and {@link Completion#logProbs()} are written in JSON. Readers
 * accept both forms; writers use {@link #PACKED_BASE64} unless told otherwise (see {@code
 * docs/contracts.md} for the measurements behind the choice).
 */
public enum TokenArrayEncoding {
  /**
   * A base64 string (RFC 4648, standard alphabet, padded) of the values as little-endian int32
   * (token ids) or IEEE-754 float32 (log-probs). The default.
   */
  PACKED_BASE64,
  /** Plain JSON number arrays: readable by eye, about twice the bytes and several times slower. */
  JSON_ARRAYS
}
