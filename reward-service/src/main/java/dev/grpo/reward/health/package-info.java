/** Health checks of the reward service beyond SmallRye's channel checks. */
package dev.grpo.reward.health;
