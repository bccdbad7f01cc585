/** Quarkus wiring: starts and stops this process's rollout worker. */
package dev.grpo.rollout.app;
