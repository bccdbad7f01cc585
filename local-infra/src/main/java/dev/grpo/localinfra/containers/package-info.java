/**
 * Testcontainers-backed Kafka and PostgreSQL, used only when {@link
 * dev.grpo.localinfra.TestcontainersSwitch} is on. Nothing outside this package refers to these
 * classes except by name, so the default path never loads Testcontainers or looks for Docker.
 */
package dev.grpo.localinfra.containers;
