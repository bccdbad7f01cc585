/**
 * The join of external reward parts with their groups: a Kafka Streams topology ({@link
 * dev.grpo.reward.join.PartJoinTopology}) that reads {@code grpo.rollouts} and {@code
 * grpo.reward-parts} (co-partitioned by groupId) exactly once, keeps each group's state in
 * changelogged stores, and writes one {@code ScoredGroup} or dead letter per group.
 */
package dev.grpo.reward.join;
