/**
 * Real infrastructure without containers, for tests and local runs: an in-JVM single-node Kafka
 * KRaft broker ({@link dev.grpo.localinfra.EmbeddedKafka}), an embedded PostgreSQL or an existing
 * server ({@link dev.grpo.localinfra.EmbeddedPostgres}, {@link
 * dev.grpo.localinfra.ExistingPostgres}), Quarkus test resources that hand their addresses to
 * {@code @QuarkusTest}s ({@link dev.grpo.localinfra.KafkaTestResource}, {@link
 * dev.grpo.localinfra.PostgresTestResource}), and the main classes behind {@code infra/local/kafka}
 * and {@code infra/local/postgres}.
 */
package dev.grpo.localinfra;
