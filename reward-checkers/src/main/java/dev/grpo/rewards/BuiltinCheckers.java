package dev.grpo.rewards;

import dev.grpo.rewardapi.Checker;
import dev.grpo.rewardapi.CheckerProvider;
import java.util.List;

/** The ServiceLoader provider of the built-in checkers. */
public final class BuiltinCheckers implements CheckerProvider {
  @Override
  public List<Checker> checkers() {
    return List.of(
        new ExactMatchChecker(),
        new PositionMatchChecker(),
        new NumericChecker(),
        new MathEquivChecker(),
        new Gsm8kChecker(),
        new R1FormatChecker(),
        new TagCountChecker(),
        new CountdownChecker(),
        new OverlongChecker(),
        new RepetitionChecker(),
        new LengthChecker(),
        new JsonSchemaChecker(),
        new CodeTestsChecker());
  }
}
