package dev.grpo.contracts;

/**
 * Version and limits of the event contract. See {@code docs/contracts.md} for the versioning rules.
 */
public final class Contracts {
  /**
   * The contract version this library writes and the newest one it reads. Every event carries it in
   * {@code schemaVersion}; readers reject versions newer than this one, so readers are upgraded
   * before writers.
   */
  public static final int SCHEMA_VERSION = 1;

  /** Largest number of completions per prompt (G). */
  public static final int MAX_GROUP_SIZE = 256;

  /** Largest {@link SamplingParams#maxNewTokens()}. */
  public static final int MAX_NEW_TOKENS = 32_768;

  private Contracts() {}
}
