/**
 * The reward checker SPI: what a plug-in author implements ({@link dev.grpo.rewardapi.Checker},
 * optionally {@link dev.grpo.rewardapi.CheckerProvider}) and what the reward service uses to find
 * checkers ({@link dev.grpo.rewardapi.CheckerRegistry}) and to validate weighted reward specs
 * ({@link dev.grpo.rewardapi.RewardSpecValidator}). Plain Java, no framework: depend on this module
 * and {@code contracts} only.
 */
package dev.grpo.rewardapi;
