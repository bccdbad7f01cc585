/**
 * Panache entities of the trainer (PostgreSQL, schema by Flyway in {@code db/migration}), the ports
 * through which the runs record facts ({@code GroupRecords}, {@code StepRecords}, {@code
 * VersionRecords}, {@code RunRecords}) and {@link dev.grpo.trainer.persistence.RunStore}, which
 * implements them with one transaction per fact.
 */
package dev.grpo.trainer.persistence;
