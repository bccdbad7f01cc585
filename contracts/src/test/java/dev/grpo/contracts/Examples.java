package dev.grpo.contracts;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Valid example events, filled so that every optional field is present and arrays are non-trivial.
 */
final class Examples {
  static final Instant T0 = Instant.parse("2026-01-31T12:00:00.123456Z");
  static final String SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

  private Examples() {}

  static SamplingParams sampling() {
    return new SamplingParams(0.7, 0.95, 50, 256, List.of("</answer>"), 42L);
  }

  static RewardSpec rewardSpec() {
    var params = new LinkedHashMap<String, Object>();
    params.put("tolerance", 1e-6);
    params.put("tags", List.of("answer", "think"));
    return new RewardSpec(
        List.of(
            new CheckerSpec("math_equivalence", 1.0, params),
            new CheckerSpec("r1_format", 0.2, Map.of()),
            new CheckerSpec(
                "judge", 0.5, Map.of(), ExternalPart.topic(30_000, ExternalPart.OnTimeout.ZERO)),
            new CheckerSpec(
                "rm",
                0.5,
                Map.of(),
                ExternalPart.http(
                    "http://rm:9000/get_reward",
                    ExternalPart.Format.OPENRLHF,
                    10_000,
                    ExternalPart.OnTimeout.DROP))));
  }

  static PromptTask promptTask(int groupSize) {
    return new PromptTask(
        Contracts.SCHEMA_VERSION,
        "run-1",
        "run-1/g-000001",
        "gsm8k-17",
        "What is 6 * 7? Answer in <answer></answer>.",
        groupSize,
        sampling(),
        rewardSpec(),
        Map.of("answer", "42"),
        3L,
        new PolicyRef(2L, "file:/work/ckpt/v2", SHA),
        T0);
  }

  static Completion completion(int index, int tokens, long seed) {
    var rnd = new SplittableRandom(seed);
    var ids = new int[tokens];
    var lps = new float[tokens];
    for (int i = 0; i < tokens; i++) {
      ids[i] = rnd.nextInt(151_936);
      lps[i] = (float) -rnd.nextDouble(0, 12);
    }
    return new Completion(
        index,
        "<answer>42</answer> \u00e9\u4e2d",
        ids,
        lps,
        index % 2 == 0 ? FinishReason.STOP : FinishReason.LENGTH);
  }

  static RolloutGroup rolloutGroup(int groupSize, int tokens) {
    var completions = new ArrayList<Completion>();
    for (int i = 0; i < groupSize; i++) {
      completions.add(completion(i, tokens, 1000 + i));
    }
    var task = promptTask(groupSize);
    return new RolloutGroup(
        Contracts.SCHEMA_VERSION,
        task.runId(),
        task.groupId(),
        task,
        2L,
        "rollout-0",
        completions,
        new RolloutTimings(15L, 1234L),
        T0.plusSeconds(2));
  }

  static ScoredGroup scoredGroup() {
    var rollout = rolloutGroup(4, 7);
    var scores = new ArrayList<CompletionScore>();
    for (int i = 0; i < 4; i++) {
      scores.add(
          new CompletionScore(
              i,
              1.2 - 0.1 * i,
              Map.of("math_equivalence", 1.0, "r1_format", 1.0 - 0.5 * i),
              Map.of("math_equivalence", "answer 42 equals 42", "r1_format", "tags ok"),
              i == 3));
    }
    return new ScoredGroup(
        Contracts.SCHEMA_VERSION, rollout.runId(), rollout.groupId(), rollout, scores, 12L);
  }

  static RewardPart rewardPart() {
    return new RewardPart(
        Contracts.SCHEMA_VERSION,
        "run-1",
        "run-1/g-000001",
        "toxicity",
        List.of(0.0, 0.25, 1.0, -0.5),
        List.of("clean", "mild", "clean", "bad"));
  }

  static PolicyVersion policyVersion() {
    return new PolicyVersion(
        Contracts.SCHEMA_VERSION, "run-1", 3L, 3L, "file:/work/ckpt/v3", SHA, T0);
  }

  static TrainerStep trainerStep() {
    var metrics = new LinkedHashMap<String, Double>();
    metrics.put("loss", -0.0123);
    metrics.put("reward/mean", 0.61);
    metrics.put("kl", 1.5e-4);
    return new TrainerStep(Contracts.SCHEMA_VERSION, "run-1", 3L, 3L, metrics, T0);
  }

  static DeadLetter deadLetter() {
    return new DeadLetter(
        Contracts.SCHEMA_VERSION,
        "reward-service/score",
        "Invalid RolloutGroup at 'completions': missing",
        Topics.ROLLOUTS,
        2,
        12345L,
        "run-1/g-000001",
        new byte[] {'{', 0, (byte) 0xff, '}'},
        5_000_000L,
        SHA,
        T0);
  }

  /** One valid example of every top-level event, with the schema file that describes it. */
  static Map<String, Object> allEvents() {
    var all = new LinkedHashMap<String, Object>();
    all.put("prompt-task", promptTask(4));
    all.put("rollout-group", rolloutGroup(4, 9));
    all.put("scored-group", scoredGroup());
    all.put("reward-part", rewardPart());
    all.put("policy-version", policyVersion());
    all.put("trainer-step", trainerStep());
    all.put("dead-letter", deadLetter());
    return all;
  }

  /** The same events with every optional field left out. */
  static Map<String, Object> minimalEvents() {
    var task =
        new PromptTask(
            1,
            "r",
            "g",
            "p",
            "",
            1,
            new SamplingParams(1.0, 1.0, 0, 1, null, 0L),
            new RewardSpec(List.of(new CheckerSpec("exact_match", 1.0, null))),
            null,
            0L,
            new PolicyRef(0L, null, null),
            T0);
    var rollout =
        new RolloutGroup(
            1,
            "r",
            "g",
            task,
            0L,
            "w",
            List.of(new Completion(0, "", new int[0], new float[0], FinishReason.LENGTH)),
            new RolloutTimings(0L, 0L),
            T0);
    var all = new LinkedHashMap<String, Object>();
    all.put("prompt-task", task);
    all.put("rollout-group", rollout);
    all.put(
        "scored-group",
        new ScoredGroup(
            1, "r", "g", rollout, List.of(new CompletionScore(0, 0.0, null, null, false)), 0L));
    all.put("reward-part", new RewardPart(1, "r", "g", "c", List.of(0.5), null));
    all.put("policy-version", new PolicyVersion(1, "r", 0L, 0L, "file:/x", SHA, T0));
    all.put("trainer-step", new TrainerStep(1, "r", 0L, 0L, Map.of(), T0));
    all.put("dead-letter", new DeadLetter(1, "s", "why", "t", 0, 0L, null, new byte[0], T0));
    return all;
  }
}
