/** Typed configuration of the rollout service ({@code grpo.rollout.*}). */
package dev.grpo.rollout.config;
