package dev.grpo.rollout.service;

/**
 * Coordinates and raw bytes of a consumed record, kept for commits and dead letters.
 *
 * @param topic source topic
 * @param partition source partition
 * @param offset source offset
 * @param key the key bytes, or null
 * @param value the value bytes, or null
 */
public record SourceRecord(String topic, int partition, long offset, byte[] key, byte[] value) {}
