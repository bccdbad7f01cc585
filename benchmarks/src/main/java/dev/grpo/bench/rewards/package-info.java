/**
 * JMH benchmarks of the reward checkers (math_equiv on a realistic answer mix, code_tests in the
 * sandbox).
 */
package dev.grpo.bench.rewards;
