/** Health checks of the rollout worker. */
package dev.grpo.rollout.health;
