package dev.grpo.bench.encoding;

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
import java.util.SplittableRandom;

/**
 * A synthetic but realistically shaped rollout group. Token ids are log-uniform over a
 * 151,936-entry vocabulary (Zipf with s = 1: frequent tokens have small ids, as in BPE
 * vocabularies); behaviour log-probs are -Exponential(mean 0.5), so most tokens are likely and a
 * few are not, as in sampled text; the completion text has about 4 characters per token from a
 * small word list, so the text compresses about like English does. Random bits in the float
 * mantissas make log-probs nearly incompressible, which is true of real ones too.
 */
final class GroupFixture {
  static final int VOCAB = 151_936;
  private static final String[] WORDS =
      ("the of and to in is that for it as with was on be by this are at from answer think step so"
           + " we have then let compute equation number total each value result which first second"
           + " next because therefore sum product 12 7 42 3.5 = + - * / ( ) \\boxed{ } <think>"
           + " </think>")
          .split(" ");

  private GroupFixture() {}

  static RolloutGroup rolloutGroup(int groupSize, int tokens, long seed) {
    var rnd = new SplittableRandom(seed);
    var task =
        new PromptTask(
            Contracts.SCHEMA_VERSION,
            "run-bench",
            "run-bench/g-000001",
            "gsm8k-1",
            "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips"
                + " in May. How many clips did Natalia sell altogether in April and May?",
            groupSize,
            new SamplingParams(1.0, 1.0, 0, tokens, List.of("</answer>"), seed),
            new RewardSpec(
                List.of(
                    new CheckerSpec("gsm8k", 1.0, Map.of()),
                    new CheckerSpec("r1_format", 0.2, Map.of()))),
            Map.of("answer", "72"),
            10,
            new PolicyRef(9, null, null),
            Instant.parse("2026-01-31T12:00:00Z"));
    var completions = new ArrayList<Completion>(groupSize);
    for (int i = 0; i < groupSize; i++) {
      var ids = new int[tokens];
      var lps = new float[tokens];
      var text = new StringBuilder(tokens * 4);
      for (int t = 0; t < tokens; t++) {
        ids[t] = (int) Math.exp(rnd.nextDouble() * Math.log(VOCAB)) - 1;
        lps[t] = (float) (0.5 * Math.log(1.0 - rnd.nextDouble()));
        text.append(WORDS[(int) Math.exp(rnd.nextDouble() * Math.log(WORDS.length)) - 1])
            .append(' ');
      }
      completions.add(new Completion(i, text.toString(), ids, lps, FinishReason.LENGTH));
    }
    return new RolloutGroup(
        Contracts.SCHEMA_VERSION,
        task.runId(),
        task.groupId(),
        task,
        9,
        "rollout-0",
        completions,
        new RolloutTimings(3, 5000),
        Instant.parse("2026-01-31T12:00:05Z"));
  }
}
