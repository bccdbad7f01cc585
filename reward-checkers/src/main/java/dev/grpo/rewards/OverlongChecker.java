package dev.grpo.rewards;

import dev.grpo.rewardapi.CheckInput;
import dev.grpo.rewardapi.CheckResult;
import dev.grpo.rewardapi.InvalidCheckerParamsException;
import dev.grpo.rewardapi.ParamSpec;
import java.util.List;
import java.util.Map;

/**
 * {@code overlong}: DAPO's soft overlong punishment. With {@code L = maxLength} and {@code C =
 * cacheLength}: 0 up to {@code L - C}, then falling linearly to -1 at {@code L}, and -1 beyond.
 */
public final class OverlongChecker extends BuiltinChecker<Long> {
  static final ParamSpec MAX_LENGTH =
      ParamSpec.integer("maxLength", null, "L_max: at and beyond this length the penalty is -1")
          .atLeast(1)
          .asRequired();
  static final ParamSpec CACHE_LENGTH =
      ParamSpec.integer("cacheLength", null, "L_cache: width of the soft band before maxLength")
          .atLeast(1)
          .asRequired();

  @Override
  public String name() {
    return "overlong";
  }

  @Override
  public String description() {
    return "DAPO soft overlong penalty in [-1, 0]: 0 while length <= maxLength - cacheLength,"
        + " then (maxLength - cacheLength - length) / cacheLength, and -1 beyond maxLength.";
  }

  @Override
  public List<ParamSpec> params() {
    return List.of(MAX_LENGTH, CACHE_LENGTH, LengthUnit.UNIT);
  }

  @Override
  public void validate(Map<String, Object> params) {
    super.validate(params);
    long max = ((Number) params.get("maxLength")).longValue();
    long cache = ((Number) params.get("cacheLength")).longValue();
    if (cache >= max) {
      throw new InvalidCheckerParamsException("cacheLength", cache, "< maxLength (" + max + ")");
    }
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
    long max = input.longParam(MAX_LENGTH);
    long cache = input.longParam(CACHE_LENGTH);
    var unit = input.stringParam(LengthUnit.UNIT);
    if (length <= max - cache) {
      return CheckResult.scored(0, length + " " + unit + " <= " + (max - cache) + ", no penalty");
    }
    if (length <= max) {
      double penalty = (double) (max - cache - length) / cache;
      return CheckResult.scored(
          penalty, length + " " + unit + " in the soft band (" + (max - cache) + ", " + max + "]");
    }
    return CheckResult.scored(-1, length + " " + unit + " > maxLength " + max);
  }
}
