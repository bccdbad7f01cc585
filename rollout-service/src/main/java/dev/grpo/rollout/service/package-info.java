/**
 * The worker's decisions, free of Kafka and of {@code messaging}: which tasks form a batch ({@link
 * dev.grpo.rollout.service.TaskQueue}), what becomes of each task of a batch ({@link
 * dev.grpo.rollout.service.BatchGenerator}, sampling through {@link
 * dev.grpo.rollout.service.GroupSampler}), which offsets may be committed ({@link
 * dev.grpo.rollout.service.OffsetTracker}), and the metrics.
 */
package dev.grpo.rollout.service;
