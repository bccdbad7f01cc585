/**
 * Kafka side of the worker: the consumer loop, the policy listener, publishers of groups and dead
 * letters.
 */
package dev.grpo.rollout.messaging;
