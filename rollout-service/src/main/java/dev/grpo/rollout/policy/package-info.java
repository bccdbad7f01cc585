/**
 * Policy versions: checkpoint stores, verified loading, and the per-run registry that swaps between
 * batches.
 */
package dev.grpo.rollout.policy;
