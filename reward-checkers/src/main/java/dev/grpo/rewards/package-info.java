/**
 * The built-in reward checkers (found by ServiceLoader through {@link
 * dev.grpo.rewards.BuiltinCheckers}) and {@link dev.grpo.rewards.GroupScorer}, the one code path
 * that scores a group of completions against a reward spec. Every built-in extends {@code
 * BuiltinChecker}, which runs the opening steps they share (input cap, then the reference the
 * sample is judged against) once. Plain Java; exact semantics of each checker are in {@code
 * docs/rewards.md}.
 */
package dev.grpo.rewards;
