package dev.grpo.trainer.service;

import dev.grpo.contracts.CheckerSpec;
import dev.grpo.contracts.Completion;
import dev.grpo.contracts.CompletionScore;
import dev.grpo.contracts.Contracts;
import dev.grpo.contracts.FinishReason;
import dev.grpo.contracts.PolicyRef;
import dev.grpo.contracts.PromptTask;
import dev.grpo.contracts.RewardSpec;
import dev.grpo.contracts.RolloutGroup;
import dev.grpo.contracts.RolloutTimings;
import dev.grpo.contracts.SamplingParams;
import dev.grpo.contracts.ScoredGroup;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Scored groups for plain tests, as the reward service would send them. */
public final class Groups {
  private Groups() {}

  /** A group whose completion i has reward {@code rewards[i]} and tokens {3, 4}. */
  public static ScoredGroup scored(
      String runId, String groupId, long policyVersion, double... rewards) {
    int[][] tokens = new int[rewards.length][];
    for (int i = 0; i < rewards.length; i++) {
      tokens[i] = new int[] {3, 4};
    }
    return scored(runId, groupId, policyVersion, rewards, tokens, new boolean[rewards.length]);
  }

  static ScoredGroup scored(
      String runId,
      String groupId,
      long policyVersion,
      double[] rewards,
      int[][] tokens,
      boolean[] skipped) {
    var task =
        new PromptTask(
            Contracts.SCHEMA_VERSION,
            runId,
            groupId,
            "p-" + groupId,
            "rev 1 2=",
            rewards.length,
            new SamplingParams(1.0, 1.0, 0, 4, List.of(), 7),
            new RewardSpec(List.of(new CheckerSpec("exact_match", 1.0, Map.of()))),
            Map.of(),
            1,
            new PolicyRef(policyVersion, null, null),
            Instant.EPOCH);
    return scored(task, policyVersion, rewards, tokens, skipped);
  }

  /** The answer to {@code task}, sampled with {@code policyVersion}; every completion is {3, 4}. */
  static ScoredGroup answer(PromptTask task, long policyVersion, double... rewards) {
    int[][] tokens = new int[rewards.length][];
    for (int i = 0; i < rewards.length; i++) {
      tokens[i] = new int[] {3, 4};
    }
    return scored(task, policyVersion, rewards, tokens, new boolean[rewards.length]);
  }

  private static ScoredGroup scored(
      PromptTask task, long policyVersion, double[] rewards, int[][] tokens, boolean[] skipped) {
    String runId = task.runId();
    String groupId = task.groupId();
    var completions = new ArrayList<Completion>();
    var scores = new ArrayList<CompletionScore>();
    for (int i = 0; i < rewards.length; i++) {
      completions.add(
          new Completion(i, "x", tokens[i], new float[tokens[i].length], FinishReason.STOP));
      scores.add(new CompletionScore(i, rewards[i], Map.of(), Map.of(), skipped[i]));
    }
    var rollout =
        new RolloutGroup(
            Contracts.SCHEMA_VERSION,
            runId,
            groupId,
            task,
            policyVersion,
            "test-worker",
            completions,
            new RolloutTimings(0, 0),
            Instant.EPOCH);
    return new ScoredGroup(Contracts.SCHEMA_VERSION, runId, groupId, rollout, scores, 0);
  }
}
