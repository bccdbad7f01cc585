/**
 * Kafka clients of the trainer: the {@code grpo.scored} consumer, the event producer, dead letters.
 */
package dev.grpo.trainer.messaging;
