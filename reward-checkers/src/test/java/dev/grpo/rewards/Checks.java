package dev.grpo.rewards;

import dev.grpo.rewardapi.CheckInput;
import dev.grpo.rewardapi.CheckResult;
import dev.grpo.rewardapi.Checker;
import java.util.LinkedHashMap;
import java.util.Map;

/** Test helpers: run a checker (validating params first, as the service does). */
final class Checks {
  private Checks() {}

  static CheckResult run(
      Checker checker,
      String completion,
      Map<String, Object> verification,
      Map<String, Object> params) {
    checker.validate(params);
    return checker.check(new CheckInput("prompt", completion, verification, params));
  }

  static double score(
      Checker checker,
      String completion,
      Map<String, Object> verification,
      Map<String, Object> params) {
    var result = run(checker, completion, verification, params);
    if (result instanceof CheckResult.Scored s) {
      return s.score();
    }
    throw new AssertionError("expected a score, got " + result);
  }

  static double score(Checker checker, String completion, Map<String, Object> verification) {
    return score(checker, completion, verification, Map.of());
  }

  static String reason(Checker checker, String completion, Map<String, Object> verification) {
    return run(checker, completion, verification, Map.of()).reason();
  }

  static Map<String, Object> map(Object... kv) {
    var map = new LinkedHashMap<String, Object>();
    for (int i = 0; i < kv.length; i += 2) {
      map.put((String) kv[i], kv[i + 1]);
    }
    return map;
  }

  static Map<String, Object> gold(Object answer) {
    return map("answer", answer);
  }
}
