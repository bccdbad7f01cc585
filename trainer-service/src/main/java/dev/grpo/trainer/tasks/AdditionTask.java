package dev.grpo.trainer.tasks;

import dev.grpo.contracts.CheckerSpec;
import dev.grpo.contracts.RewardSpec;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * {@code addition}: "12+7=" → "19". Operands have 1 to {@code maxDigits} digits (default 2, at most
 * 9), scored by the {@code numeric} checker.
 */
@Singleton
public final class AdditionTask implements TaskGenerator {
  /** The name runs select it by. */
  public static final String NAME = "addition";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "add two non-negative integers: prompt '12+7=', answer '19' (param maxDigits)";
  }

  @Override
  public void validate(Map<String, Object> params) {
    TaskGenerator.onlyKnown(params, Set.of("maxDigits"));
    TaskGenerator.intParam(params, "maxDigits", 2, 1, 9);
  }

  @Override
  public TaskExample generate(SplittableRandom rng, Map<String, Object> params) {
    int digits = TaskGenerator.intParam(params, "maxDigits", 2, 1, 9);
    long bound = (long) Math.pow(10, digits);
    long a = rng.nextLong(bound);
    long b = rng.nextLong(bound);
    String prompt = a + "+" + b + "=";
    return new TaskExample(NAME + ":" + prompt, prompt, Map.of("answer", Long.toString(a + b)));
  }

  @Override
  public RewardSpec defaultRewardSpec() {
    return new RewardSpec(List.of(new CheckerSpec("numeric", 1.0, Map.of())));
  }

  @Override
  public int defaultMaxNewTokens(Map<String, Object> params) {
    return TaskGenerator.intParam(params, "maxDigits", 2, 1, 9) + 2;
  }
}
