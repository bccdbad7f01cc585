package dev.grpo.reward.service;

import dev.grpo.contracts.DeadLetter;
import dev.grpo.contracts.ScoredGroup;

/** What the service publishes for one consumed record: a scored group or a dead letter. */
public sealed interface ScoringOutcome {

  /** The record key to publish under (the original key). */
  String key();

  /** The encoded value to publish. */
  byte[] json();

  /**
   * A scored group for {@code grpo.scored}.
   *
   * @param key the groupId
   * @param group the scored group
   * @param json its encoding
   */
  record Scored(String key, ScoredGroup group, byte[] json) implements ScoringOutcome {}

  /**
   * A dead letter for {@code grpo.dlq}.
   *
   * @param key the original record's key
   * @param letter the envelope
   * @param json its encoding
   */
  record DeadLettered(String key, DeadLetter letter, byte[] json) implements ScoringOutcome {}
}
