package dev.grpo.reward;

import dev.grpo.contracts.CheckerSpec;
import dev.grpo.contracts.Completion;
import dev.grpo.contracts.Contracts;
import dev.grpo.contracts.FinishReason;
import dev.grpo.contracts.PolicyRef;
import dev.grpo.contracts.PromptTask;
import dev.grpo.contracts.RewardSpec;
import dev.grpo.contracts.RolloutGroup;
import dev.grpo.contracts.RolloutTimings;
import dev.grpo.contracts.SamplingParams;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builds rollout groups for tests. */
public final class Fixtures {
  private Fixtures() {}

  /** math_equiv (weight 1) + r1_format (weight 0.5), gold answer 4. */
  public static RewardSpec mathSpec() {
    return new RewardSpec(
        List.of(new CheckerSpec("math_equiv", 1.0, null), new CheckerSpec("r1_format", 0.5, null)));
  }

  /** A group whose completions are the given texts, with the given spec and gold answer. */
  public static RolloutGroup group(
      String groupId, RewardSpec spec, String goldAnswer, List<String> texts) {
    var task =
        new PromptTask(
            Contracts.SCHEMA_VERSION,
            "run-test",
            groupId,
            "p-" + groupId,
            "What is 2 + 2?",
            texts.size(),
            sampling(),
            spec,
            Map.of("answer", goldAnswer),
            0,
            policyRef(),
            Instant.parse("2025-01-01T00:00:00Z"));
    var completions = new ArrayList<Completion>();
    for (int i = 0; i < texts.size(); i++) {
      int tokens = Math.max(1, texts.get(i).length() / 4);
      var ids = new int[tokens];
      var logProbs = new float[tokens];
      for (int t = 0; t < tokens; t++) {
        ids[t] = 100 + t;
        logProbs[t] = -0.5f;
      }
      completions.add(new Completion(i, texts.get(i), ids, logProbs, FinishReason.STOP));
    }
    return new RolloutGroup(
        Contracts.SCHEMA_VERSION,
        "run-test",
        groupId,
        task,
        0,
        "worker-test",
        completions,
        timings(),
        Instant.parse("2025-01-01T00:00:01Z"));
  }

  /** Four completions: right and well formatted, right but unformatted, wrong, and empty. */
  public static RolloutGroup mathGroup(String groupId) {
    return group(
        groupId,
        mathSpec(),
        "4",
        List.of(
            "<think>2+2 is 4</think><answer>\\boxed{4}</answer>",
            "The answer is \\boxed{4}", "<think>hmm</think><answer>\\boxed{5}</answer>", ""));
  }

  private static SamplingParams sampling() {
    return new SamplingParams(1.0, 1.0, 0, 64, null, 7);
  }

  private static PolicyRef policyRef() {
    return new PolicyRef(0, null, null);
  }

  private static RolloutTimings timings() {
    return new RolloutTimings(1, 2);
  }
}
