/**
 * Every Kafka client of the worker: the consumer loop and its commits ({@link
 * dev.grpo.rollout.messaging.RolloutWorker}), the policy listener, the publishers of groups and
 * dead letters, and {@link dev.grpo.rollout.messaging.RolloutNode}, which wires one complete worker
 * without Quarkus. It calls {@code service} for every decision; {@code service} never calls back
 * into it.
 */
package dev.grpo.rollout.messaging;
