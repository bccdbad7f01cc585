/**
 * Kafka adapters: the exactly-once consume-score-produce loop over {@code grpo.rollouts} and the
 * dead-letter envelopes it writes.
 */
package dev.grpo.reward.messaging;
