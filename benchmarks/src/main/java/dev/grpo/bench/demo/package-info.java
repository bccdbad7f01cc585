/**
 * The demo-task study: a synthetic digit task ({@link dev.grpo.bench.demo.DigitTask}), a dense
 * deterministic reward ({@link dev.grpo.rewards.PositionMatchChecker}) and an in-process GRPO
 * harness ({@link dev.grpo.bench.demo.DemoRecipeStudy}) that measures how fast a tiny policy learns
 * it from scratch on this machine's CPUs.
 */
package dev.grpo.bench.demo;
