/** Placeholder. */
package dev.grpo.policy;
