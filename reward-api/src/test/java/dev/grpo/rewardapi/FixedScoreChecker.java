package dev.grpo.rewardapi;

import java.util.List;
import java.util.Map;

/** A test checker returning the score in params.value; registered through META-INF/services. */
public class FixedScoreChecker implements Checker {
  static final ParamSpec VALUE = ParamSpec.number("value", 1.0, "the score").atLeast(0).atMost(1);
  static final ParamSpec MODE = ParamSpec.string("mode", "plain", "a mode").oneOf("plain", "fancy");

  @Override
  public String name() {
    return "fixed";
  }

  @Override
  public String description() {
    return "returns params.value";
  }

  @Override
  public List<ParamSpec> params() {
    return List.of(VALUE, MODE);
  }

  @Override
  public CheckResult check(CheckInput input) {
    return CheckResult.scored(input.doubleParam(VALUE), "fixed");
  }

  /** Same name, different class: must clash. */
  static final class Impostor extends FixedScoreChecker {}

  /** Another name. */
  static Checker named(String name) {
    return new FixedScoreChecker() {
      @Override
      public String name() {
        return name;
      }
    };
  }

  static Map<String, Object> params(Object... kv) {
    var map = new java.util.LinkedHashMap<String, Object>();
    for (int i = 0; i < kv.length; i += 2) {
      map.put((String) kv[i], kv[i + 1]);
    }
    return map;
  }
}
