package dev.grpo.trainer.service;

import dev.grpo.contracts.CompletionScore;
import dev.grpo.contracts.RewardSpec;
import dev.grpo.policy.model.LlamaModel;
import dev.grpo.policy.sampling.Generation;
import dev.grpo.policy.sampling.Sampler;
import dev.grpo.policy.sampling.SamplingConfig;
import dev.grpo.policy.tokenizer.PromptEncoding;
import dev.grpo.policy.tokenizer.Tokenizer;
import dev.grpo.rewards.GroupScorer;
import dev.grpo.trainer.tasks.TaskExample;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Held-out evaluation: samples one completion per evaluation prompt with the trainer's current
 * in-memory policy (greedy, or seeded sampling) and scores it in-process with the shared checker
 * library ({@link GroupScorer}), the same code the reward service runs.
 */
public final class Evaluator {
  /** Key of the mean total reward in {@link Result#accuracy()}. */
  public static final String REWARD = "reward";

  private final GroupScorer scorer;
  private final Sampler sampler = new Sampler();
  private final int batchSize;

  public Evaluator(GroupScorer scorer, int batchSize) {
    this.scorer = scorer;
    this.batchSize = batchSize;
  }

  /**
   * @param accuracy per checker name, the mean of its score over prompts where it applied; plus
   *     {@value #REWARD}, the mean total reward
   * @param examples prompts evaluated
   */
  public record Result(Map<String, Double> accuracy, int examples) {}

  public Result evaluate(
      LlamaModel model,
      Tokenizer tokenizer,
      List<TaskExample> examples,
      RewardSpec spec,
      SamplingConfig sampling) {
    Map<String, double[]> sums = new LinkedHashMap<>();
    double rewardSum = 0;
    for (int from = 0; from < examples.size(); from += batchSize) {
      List<TaskExample> batch = examples.subList(from, Math.min(examples.size(), from + batchSize));
      List<int[]> prompts = new ArrayList<>();
      for (TaskExample e : batch) {
        prompts.add(PromptEncoding.withBos(tokenizer, e.prompt()));
      }
      List<Generation> out = sampler.generate(model, tokenizer, prompts, sampling);
      for (int i = 0; i < batch.size(); i++) {
        TaskExample e = batch.get(i);
        Generation g = out.get(i);
        CompletionScore s =
            scorer
                .score(
                    e.prompt(),
                    List.of(new GroupScorer.CompletionText(g.text(), g.tokenIds().length)),
                    spec,
                    e.verification())
                .get(0);
        rewardSum += s.total();
        s.components()
            .forEach(
                (checker, score) -> {
                  double[] acc = sums.computeIfAbsent(checker, k -> new double[2]);
                  acc[0] += score;
                  acc[1] += 1;
                });
      }
    }
    Map<String, Double> accuracy = new LinkedHashMap<>();
    sums.forEach((checker, acc) -> accuracy.put(checker, acc[0] / acc[1]));
    accuracy.put(REWARD, examples.isEmpty() ? 0 : rewardSum / examples.size());
    return new Result(accuracy, examples.size());
  }
}
