/** Panache entities of the trainer (PostgreSQL, schema by Flyway in {@code db/migration}). */
package dev.grpo.trainer.persistence;
