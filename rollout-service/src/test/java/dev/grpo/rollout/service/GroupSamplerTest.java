package dev.grpo.rollout.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import ai.djl.Device;
import dev.grpo.contracts.CheckerSpec;
import dev.grpo.contracts.Completion;
import dev.grpo.contracts.Contracts;
import dev.grpo.contracts.PolicyRef;
import dev.grpo.contracts.PromptTask;
import dev.grpo.contracts.RewardSpec;
import dev.grpo.contracts.RolloutGroup;
import dev.grpo.contracts.SamplingParams;
import dev.grpo.policy.checkpoint.LoadedCheckpoint;
import dev.grpo.policy.model.LlamaModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.tokenizer.CharTokenizer;
import dev.grpo.rollout.policy.ServingPolicy;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reproducible rollouts: a group's completions depend on its task alone, not on the batch. A
 * {@code @QuarkusTest} only so that it shares the class loader (and the PyTorch native library)
 * with the module's other tests.
 */
@io.quarkus.test.junit.QuarkusTest
class GroupSamplerTest {

  private static ServingPolicy policy;

  @BeforeAll
  static void model() {
    CharTokenizer tok = CharTokenizer.printableAscii();
    ModelConfig cfg = ModelConfig.llama(tok.vocabSize(), 32, 64, 2, 4, 2, 96);
    LlamaModel m = LlamaModel.randomInit(cfg, Device.cpu(), 7);
    policy = new ServingPolicy("run", 0, "mem:", "0".repeat(64), new LoadedCheckpoint(cfg, m, tok));
  }

  @AfterAll
  static void close() {
    policy.checkpoint().close();
  }

  private static PromptTask task(String groupId, String prompt, long seed) {
    return new PromptTask(
        Contracts.SCHEMA_VERSION,
        "run",
        groupId,
        "p-" + groupId,
        prompt,
        4,
        new SamplingParams(1.0, 1.0, 0, 24, List.of(), seed),
        new RewardSpec(List.of(new CheckerSpec("exact_match", 1.0, Map.of()))),
        Map.of("answer", "42"),
        0,
        new PolicyRef(0, "mem:", "0".repeat(64)),
        Instant.now());
  }

  @Test
  void aGroupsCompletionsDoNotDependOnTheBatchItLandsIn() {
    GroupSampler sampler = new GroupSampler("w");
    PromptTask a = task("g-a", "What is 6 times 7?", 11);
    PromptTask shortOne = task("g-b", "Hi", 12);
    PromptTask longOne = task("g-c", "A much longer prompt that pads the batch on the left.", 13);

    RolloutGroup alone = sampler.sample(policy, List.of(a)).groups().get(0);
    RolloutGroup first = sampler.sample(policy, List.of(a, shortOne)).groups().get(0);
    RolloutGroup last = sampler.sample(policy, List.of(longOne, shortOne, a)).groups().get(2);

    for (RolloutGroup other : List.of(first, last)) {
      for (int g = 0; g < 4; g++) {
        Completion x = alone.completions().get(g);
        Completion y = other.completions().get(g);
        assertArrayEquals(x.tokenIds(), y.tokenIds(), "completion " + g);
        assertArrayEquals(x.logProbs(), y.logProbs(), 1e-4f, "completion " + g);
        assertEquals(x.text(), y.text());
      }
    }
    // Each completion has a stream of its own: the group is not G copies of one draw.
    assertNotEquals(
        List.of(alone.completions().get(0).text()), List.of(alone.completions().get(1).text()));
  }

  @Test
  void tasksFedIntoARunningCallGetTheGroupsTheyGetAlone() {
    // 5 tasks x G = 4 through 6 slots, at most 2 tasks in flight: rows of started tasks and new
    // tasks take the places of finished rows, and each group is handed out when complete.
    GroupSampler live = new GroupSampler("w", 6);
    List<PromptTask> tasks =
        List.of(
            task("g-0", "What is 6 times 7?", 21),
            task("g-1", "Hi", 22),
            task("g-2", "A much longer prompt that pads the batch on the left.", 23),
            task("g-3", "Hi", 24),
            task("g-4", "2 + 2", 25));
    java.util.ArrayDeque<PromptTask> queue = new java.util.ArrayDeque<>(tasks.subList(1, 5));
    Map<String, RolloutGroup> got = new java.util.LinkedHashMap<>();
    int[] inFlight = {1}; // g-0
    int[] most = {0};
    GroupSampler.LiveResult r =
        live.sampleLive(
            policy,
            List.of(tasks.get(0)),
            t -> t,
            () -> {
              PromptTask t = queue.poll();
              if (t != null) {
                most[0] = Math.max(most[0], ++inFlight[0]);
              }
              return t;
            },
            2,
            (t, g) -> {
              inFlight[0]--;
              got.put(t.groupId(), g);
            });
    assertEquals(5, r.tasks());
    assertEquals(20, r.rows());
    assertEquals(5, got.size());
    assertEquals(2, most[0], "tasks in flight at most");
    GroupSampler alone = new GroupSampler("w");
    for (PromptTask t : tasks) {
      RolloutGroup expected = alone.sample(policy, List.of(t)).groups().get(0);
      RolloutGroup actual = got.get(t.groupId());
      assertEquals(t.groupId(), actual.groupId());
      for (int g = 0; g < 4; g++) {
        Completion x = expected.completions().get(g);
        Completion y = actual.completions().get(g);
        assertEquals(g, y.index());
        assertArrayEquals(x.tokenIds(), y.tokenIds(), t.groupId() + " completion " + g);
        assertArrayEquals(x.logProbs(), y.logProbs(), 1e-4f, t.groupId() + " completion " + g);
      }
    }
  }

  @Test
  void completionSeedsDifferPerIndexAndTask() {
    assertNotEquals(GroupSampler.completionSeed(1, 0), GroupSampler.completionSeed(1, 1));
    assertNotEquals(GroupSampler.completionSeed(1, 0), GroupSampler.completionSeed(2, 0));
    assertEquals(GroupSampler.completionSeed(5, 3), GroupSampler.completionSeed(5, 3));
  }
}
