package dev.grpo.trainer.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grpo.rewardapi.CheckerRegistry;
import dev.grpo.trainer.tasks.AdditionTask;
import dev.grpo.trainer.tasks.DigitMaxTask;
import dev.grpo.trainer.tasks.DigitReverseTask;
import dev.grpo.trainer.tasks.TaskGenerators;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Run configurations for tests: a tiny random-init model on digit_reverse with a small char
 * alphabet.
 */
public final class TestRuns {
  /** The built-in generators, as the app has them. */
  public static final TaskGenerators GENERATORS =
      new TaskGenerators(List.of(new DigitReverseTask(), new AdditionTask(), new DigitMaxTask()));

  private static final ObjectMapper JSON = new ObjectMapper();

  private TestRuns() {}

  /** The complete spec of a request map, as {@code POST /runs} would store it. */
  public static RunSpec spec(Map<String, Object> request) {
    try {
      var body = JSON.readValue(JSON.writeValueAsString(request), RunRequest.class);
      return new RunValidator(GENERATORS, CheckerRegistry.fromServiceLoader()).complete(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A config as a mutable JSON-like map, so tests can break one field at a time. */
  public static Map<String, Object> tiny(int steps, int checkpointEvery) {
    var c = new LinkedHashMap<String, Object>();
    c.put("name", "tiny");
    c.put(
        "model",
        new LinkedHashMap<>(
            Map.of(
                "randomInit",
                new LinkedHashMap<>(
                    Map.of(
                        "hiddenSize",
                        16,
                        "intermediateSize",
                        32,
                        "layers",
                        1,
                        "heads",
                        2,
                        "kvHeads",
                        1,
                        "maxPositions",
                        32)),
                "tokenizer",
                Map.of("type", "char", "alphabet", "0123456789 rev="))));
    c.put(
        "dataset",
        new LinkedHashMap<>(
            Map.of(
                "generator", "digit_reverse", "params", Map.of("minDigits", 1, "maxDigits", 2))));
    c.put("groupSize", 4);
    c.put("groupsPerStep", 2);
    c.put("maxStaleness", 1);
    // A random model earns reward 0 nearly everywhere: with dynamic sampling on, almost every group
    // would be dropped and the short test run would not finish.
    c.put("dynamicSampling", false);
    c.put("sampling", new LinkedHashMap<>(Map.of("temperature", 1.0, "maxNewTokens", 4)));
    c.put("loss", new LinkedHashMap<>(Map.of("variant", "grpo", "microBatchSize", 8)));
    c.put("optimizer", new LinkedHashMap<>(Map.of("learningRate", 0.01)));
    c.put("steps", steps);
    c.put("eval", new LinkedHashMap<>(Map.of("size", 8, "every", 2)));
    c.put("checkpointEvery", checkpointEvery);
    c.put("seed", 11);
    return c;
  }

  @SuppressWarnings("unchecked")
  public static Map<String, Object> sub(Map<String, Object> c, String key) {
    return (Map<String, Object>) c.get(key);
  }

  public static List<Object> list(Object... xs) {
    return List.of(xs);
  }
}
