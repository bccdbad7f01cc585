package dev.grpo.reward.service;

/**
 * One consumed Kafka record, as bytes, with where it came from.
 *
 * @param topic source topic
 * @param partition source partition
 * @param offset source offset
 * @param key the record key (the groupId by contract), may be null
 * @param value the record value, may be null (a tombstone)
 */
public record SourceRecord(String topic, int partition, long offset, String key, byte[] value) {}
