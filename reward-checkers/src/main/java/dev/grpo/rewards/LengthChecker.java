package dev.grpo.rewards;

import dev.grpo.rewardapi.CheckInput;
import dev.grpo.rewardapi.CheckResult;
import dev.grpo.rewardapi.ParamSpec;
import java.util.List;

/**
 * {@code length}: the cosine-scaled length reward of "Demystifying Long Chain-of-Thought Reasoning"
 * (as open-r1's {@code get_cosine_scaled_reward}): correct answers earn more when short, wrong
 * answers are punished less when long. Correctness is {@code math_equiv}'s verdict.
 */
public final class LengthChecker extends BuiltinChecker<Long> {
  static final ParamSpec MAX_LENGTH =
      ParamSpec.integer("maxLength", 1000L, "length at which the cosine reaches its end")
          .atLeast(1);
  static final ParamSpec MIN_VALUE_WRONG =
      ParamSpec.number("minValueWrong", -1.0, "wrong, shortest");
  static final ParamSpec MAX_VALUE_WRONG =
      ParamSpec.number("maxValueWrong", -0.5, "wrong, longest");
  static final ParamSpec MIN_VALUE_CORRECT =
      ParamSpec.number("minValueCorrect", 0.5, "correct, longest");
  static final ParamSpec MAX_VALUE_CORRECT =
      ParamSpec.number("maxValueCorrect", 1.0, "correct, shortest");

  private final MathEquivChecker correctness = new MathEquivChecker();

  @Override
  public String name() {
    return "length";
  }

  @Override
  public String description() {
    return "cosine-scaled length reward: with p = min(length/maxLength, 1) and c = cos(p*pi), a"
        + " correct answer (math_equiv) scores minValueCorrect + (maxValueCorrect -"
        + " minValueCorrect)(1+c)/2, a wrong one maxValueWrong + (minValueWrong -"
        + " maxValueWrong)(1+c)/2.";
  }

  @Override
  public List<ParamSpec> params() {
    return List.of(
        MAX_LENGTH,
        MIN_VALUE_WRONG,
        MAX_VALUE_WRONG,
        MIN_VALUE_CORRECT,
        MAX_VALUE_CORRECT,
        LengthUnit.UNIT);
  }

  /** Reads only the length, so a completion over the text cap is still measured. */
  @Override
  boolean readsText() {
    return false;
  }

  @Override
  Reference<Long> reference(CheckInput input) {
    return LengthUnit.measure(input);
  }

  @Override
  CheckResult score(CheckInput input, Long length) {
    var verdict =
        correctness.check(
            new CheckInput(
                input.prompt(),
                input.completion(),
                input.completionTokens(),
                input.verification(),
                java.util.Map.of()));
    if (verdict instanceof CheckResult.NotApplicable na) {
      return na;
    }
    boolean correct = ((CheckResult.Scored) verdict).score() == 1;
    double progress = Math.min((double) length / input.longParam(MAX_LENGTH), 1.0);
    double cosine = Math.cos(progress * Math.PI);
    double min;
    double max;
    if (correct) {
      min = input.doubleParam(MIN_VALUE_CORRECT);
      max = input.doubleParam(MAX_VALUE_CORRECT);
    } else {
      // Swapped on purpose: a long wrong answer is punished less than a short one.
      min = input.doubleParam(MAX_VALUE_WRONG);
      max = input.doubleParam(MIN_VALUE_WRONG);
    }
    double score = min + 0.5 * (max - min) * (1.0 + cosine);
    return CheckResult.scored(
        score,
        (correct ? "correct" : "wrong")
            + ", "
            + length
            + " "
            + input.stringParam(LengthUnit.UNIT)
            + " (progress "
            + String.format("%.3f", progress)
            + ")");
  }
}
