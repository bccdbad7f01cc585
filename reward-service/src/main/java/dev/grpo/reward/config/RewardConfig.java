package dev.grpo.reward.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of the reward service ({@code grpo.reward.*}). */
@ConfigMapping(prefix = "grpo.reward")
public interface RewardConfig {

  /**
   * Identity of this instance; part of the Kafka {@code transactional.id}, so it must be unique
   * among running instances and should stay the same across restarts of one instance (a restart
   * then aborts the transaction its predecessor left open instead of waiting for it to time out).
   */
  String instanceId();

  /** Threads that run checkers (one task per completion). 0 means one per available processor. */
  @WithDefault("0")
  int scoringThreads();

  /**
   * Groups of one Kafka batch scored at the same time. Each blocks one dispatcher thread while its
   * completions run on the scoring threads; more than one keeps the cores busy when groups are
   * smaller than the core count or one group waits on a slow checker.
   */
  @WithDefault("4")
  int groupConcurrency();

  /** Wall-clock limit for all checkers of one completion, in milliseconds. */
  @WithDefault("10000")
  long perCompletionMillis();

  /** Wall-clock budget for one whole group, in milliseconds. */
  @WithDefault("60000")
  long perGroupMillis();

  /**
   * Largest encoded record this service writes, in bytes; must not exceed the producer's {@code
   * max.request.size}. A scored group over it goes to the dead-letter topic instead of failing the
   * transaction over and over.
   */
  @WithDefault("4194304")
  int maxRecordBytes();

  /** Most completions one {@code POST /score} request may carry. */
  @WithDefault("256")
  int maxRestCompletions();

  /** The join of external reward parts (Kafka Streams, {@code join.PartJoinTopology}). */
  Join join();

  /** Settings of the join of external reward parts ({@code grpo.reward.join.*}). */
  interface Join {
    /**
     * How long a part whose group has not been read waits for it before it is dead-lettered as an
     * unknown groupId, and how long a scored group is remembered so that a part arriving after it
     * counts as late, in milliseconds. The default is the longest part timeout a spec may name
     * ({@code ExternalPart.MAX_TIMEOUT_MILLIS}), so it is never shorter than a part's timeout.
     */
    @WithDefault("600000")
    long unknownGroupWaitMillis();

    /** How often timeouts are checked (the punctuator), in milliseconds of wall-clock time. */
    @WithDefault("50")
    long punctuateMillis();
  }

  /** Resolved number of scoring threads. */
  default int effectiveScoringThreads() {
    return scoringThreads() > 0 ? scoringThreads() : Runtime.getRuntime().availableProcessors();
  }
}
