package dev.grpo.trainer.tasks;

import dev.grpo.contracts.CheckerSpec;
import dev.grpo.contracts.RewardSpec;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * {@code digit_reverse}: "rev 4 1 7=" → "714". The demo task: a tiny model learns it in minutes on
 * a CPU with the built-in character tokenizer. Parameters {@code minDigits} (default 3) and {@code
 * maxDigits} (default 5), each 1 to 20.
 */
@Singleton
public final class DigitReverseTask implements TaskGenerator {
  /** The name runs select it by. */
  public static final String NAME = "digit_reverse";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "reverse a digit sequence: prompt 'rev 4 1 7=', answer '714' (params minDigits,"
        + " maxDigits)";
  }

  @Override
  public void validate(Map<String, Object> params) {
    TaskGenerator.onlyKnown(params, Set.of("minDigits", "maxDigits"));
    int min = TaskGenerator.intParam(params, "minDigits", 3, 1, 20);
    int max = TaskGenerator.intParam(params, "maxDigits", 5, 1, 20);
    if (max < min) {
      throw new IllegalArgumentException(
          "maxDigits must be >= minDigits (" + min + "), was " + max);
    }
  }

  @Override
  public TaskExample generate(SplittableRandom rng, Map<String, Object> params) {
    int min = TaskGenerator.intParam(params, "minDigits", 3, 1, 20);
    int max = TaskGenerator.intParam(params, "maxDigits", 5, 1, 20);
    int n = min + rng.nextInt(max - min + 1);
    StringBuilder prompt = new StringBuilder("rev");
    StringBuilder answer = new StringBuilder();
    for (int i = 0; i < n; i++) {
      int d = rng.nextInt(10);
      prompt.append(' ').append(d);
      answer.insert(0, d);
    }
    prompt.append('=');
    return new TaskExample(
        NAME + ":" + prompt, prompt.toString(), Map.of("answer", answer.toString()));
  }

  @Override
  public RewardSpec defaultRewardSpec() {
    return new RewardSpec(List.of(new CheckerSpec("exact_match", 1.0, Map.of())));
  }

  @Override
  public int defaultMaxNewTokens(Map<String, Object> params) {
    return TaskGenerator.intParam(params, "maxDigits", 5, 1, 20) + 2;
  }
}
