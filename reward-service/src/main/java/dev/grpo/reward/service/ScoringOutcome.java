package dev.grpo.reward.service;

import dev.grpo.contracts.DeadLetter;
import dev.grpo.contracts.DeadLetters;
import dev.grpo.contracts.ScoredGroup;

/**
 * What the service publishes for one consumed record: a scored group, a dead letter, or nothing
 * (the group names external parts and is scored by the join, {@code join.PartJoinTopology}).
 */
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
   * A dead letter for {@code grpo.dlq}, with its key, encoding and headers.
   *
   * @param letter the letter as {@link DeadLetters} built it
   */
  record DeadLettered(DeadLetters.Letter letter) implements ScoringOutcome {
    /** The original record's key as text (the producer's keys are strings), or null. */
    @Override
    public String key() {
      return letter.keyText();
    }

    @Override
    public byte[] json() {
      return letter.value();
    }

    /** The envelope. */
    public DeadLetter envelope() {
      return letter.envelope();
    }
  }

  /**
   * Nothing to publish here: the group's spec names external parts, so the join scores it.
   *
   * @param key the groupId
   */
  record LeftToJoin(String key) implements ScoringOutcome {
    @Override
    public byte[] json() {
      return null;
    }
  }
}
