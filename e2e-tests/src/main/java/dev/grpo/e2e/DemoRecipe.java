package dev.grpo.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The demo task as a run configuration for {@code POST /runs} plus what the demo reports against:
 * the held-out checker shown as "eval accuracy" and the target accuracy. The built-in recipe is
 * {@value #BUILT_IN}; the launcher's options override steps, seed and max staleness.
 *
 * @param runConfig the body of {@code POST /runs} (the trainer's RunRequest)
 * @param evalChecker checker whose held-out score is the eval accuracy, e.g. {@code exact_match}
 * @param targetAccuracy accuracy the demo aims at, in (0, 1]
 */
public record DemoRecipe(ObjectNode runConfig, String evalChecker, double targetAccuracy) {
  /** Class-path resource of the built-in demo recipe. */
  public static final String BUILT_IN = "/dev/grpo/e2e/demo-run.json";

  static final int MAX_STEPS = 1_000_000;
  static final int MAX_STALENESS = 16;
  private static final ObjectMapper JSON = new ObjectMapper();

  public DemoRecipe {
    if (runConfig == null) {
      throw new IllegalArgumentException(
          "recipe field 'run' must be a JSON object with the run config, was null");
    }
    if (evalChecker == null || evalChecker.isBlank()) {
      throw new IllegalArgumentException(
          "recipe field 'evalChecker' must name a checker, was '" + evalChecker + "'");
    }
    if (!(targetAccuracy > 0 && targetAccuracy <= 1)) {
      throw new IllegalArgumentException(
          "recipe field 'targetAccuracy' must be in (0, 1], was " + targetAccuracy);
    }
  }

  /** The built-in demo recipe. */
  public static DemoRecipe builtIn() {
    try (InputStream in = DemoRecipe.class.getResourceAsStream(BUILT_IN)) {
      if (in == null) {
        throw new IllegalStateException("resource " + BUILT_IN + " missing from the class path");
      }
      return parse(JSON.readTree(in), BUILT_IN);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + BUILT_IN, e);
    }
  }

  /** A recipe file in the same shape as the built-in one. */
  public static DemoRecipe fromFile(Path file) throws IOException {
    return parse(JSON.readTree(Files.readString(file)), file.toString());
  }

  private static DemoRecipe parse(JsonNode n, String source) {
    if (!(n.get("run") instanceof ObjectNode run)) {
      throw new IllegalArgumentException(
          source + ": field 'run' must be a JSON object, was " + n.get("run"));
    }
    return new DemoRecipe(
        run.deepCopy(), n.path("evalChecker").asText(null), n.path("targetAccuracy").asDouble(0.8));
  }

  /** This recipe with steps replaced; 1..{@value #MAX_STEPS}. */
  public DemoRecipe withSteps(int steps) {
    if (steps < 1 || steps > MAX_STEPS) {
      throw new IllegalArgumentException(
          "--steps must be between 1 and " + MAX_STEPS + ", was " + steps);
    }
    ObjectNode c = runConfig.deepCopy();
    c.put("steps", steps);
    // checkpointEvery may not exceed steps (the trainer's rule); keep the recipe's value when it
    // fits.
    if (c.path("checkpointEvery").asInt(1) > steps) {
      c.put("checkpointEvery", steps);
    }
    return new DemoRecipe(c, evalChecker, targetAccuracy);
  }

  /** This recipe with the seed replaced (prompt order, sampling seeds, random init). */
  public DemoRecipe withSeed(long seed) {
    ObjectNode c = runConfig.deepCopy();
    c.put("seed", seed);
    return new DemoRecipe(c, evalChecker, targetAccuracy);
  }

  /**
   * This recipe with max staleness replaced; 0..{@value #MAX_STALENESS}, 0 = synchronous on-policy.
   */
  public DemoRecipe withMaxStaleness(int maxStaleness) {
    if (maxStaleness < 0 || maxStaleness > MAX_STALENESS) {
      throw new IllegalArgumentException(
          "--max-staleness must be between 0 and " + MAX_STALENESS + ", was " + maxStaleness);
    }
    ObjectNode c = runConfig.deepCopy();
    c.put("maxStaleness", maxStaleness);
    return new DemoRecipe(c, evalChecker, targetAccuracy);
  }

  /**
   * This recipe trained on another backend: {@code embedded} or {@code torch} with {@code workers}
   * ranks (the trainer validates both).
   */
  public DemoRecipe withTrainer(String backend, Integer workers) {
    ObjectNode c = runConfig.deepCopy();
    ObjectNode t = c.putObject("trainer");
    t.put("backend", backend);
    if (workers != null) {
      t.put("workers", workers);
    }
    return new DemoRecipe(c, evalChecker, targetAccuracy);
  }

  /** This recipe with the run's name replaced. */
  public DemoRecipe withName(String name) {
    ObjectNode c = runConfig.deepCopy();
    c.put("name", name);
    return new DemoRecipe(c, evalChecker, targetAccuracy);
  }
}
