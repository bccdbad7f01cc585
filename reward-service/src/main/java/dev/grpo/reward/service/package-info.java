/**
 * Scoring: the checker registry (ServiceLoader plus CDI beans, metered), the shared {@code
 * GroupScorer}, batch scoring of Kafka records, and metrics.
 */
package dev.grpo.reward.service;
