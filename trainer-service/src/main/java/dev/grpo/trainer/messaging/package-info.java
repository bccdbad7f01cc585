/**
 * Kafka side of the trainer: {@link dev.grpo.trainer.messaging.TrainerLoop} (the training thread),
 * the {@code grpo.scored} and {@code grpo.dlq} consumers with their commits and rebalance handling,
 * the producer behind {@link dev.grpo.trainer.service.RunEvents}, and the one dead-letter writer.
 */
package dev.grpo.trainer.messaging;
