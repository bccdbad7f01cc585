/** Typed configuration of the reward service. */
package dev.grpo.reward.config;
