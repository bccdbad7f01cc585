/**
 * The built-in reward checkers (found by ServiceLoader through {@link
 * dev.grpo.rewards.BuiltinCheckers}) and {@link dev.grpo.rewards.GroupScorer}, the one code path
 * that scores a group of completions against a reward spec. Plain Java; exact semantics of each
 * checker are in {@code docs/rewards.md}.
 */
package dev.grpo.rewards;
