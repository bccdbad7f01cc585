/** JMH benchmarks; see docs/benchmarks.md. */
package dev.grpo.bench;
