/** Prometheus metrics of the trainer (Micrometer). */
package dev.grpo.trainer.metrics;
