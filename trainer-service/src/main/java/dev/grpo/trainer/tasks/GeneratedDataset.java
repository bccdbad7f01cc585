package dev.grpo.trainer.tasks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A {@link PromptDataset} drawn from a {@link TaskGenerator}. The evaluation set is the first
 * {@code evalSize} distinct prompts of the stream seeded with {@code mix(seed, -1)}; training
 * prompt {@code i} is drawn from the stream seeded with {@code mix(seed, i)}, redrawn (same stream)
 * while it collides with an evaluation prompt.
 */
public final class GeneratedDataset implements PromptDataset {
  /** Draws per prompt before giving up: a task whose whole space is the eval set cannot train. */
  static final int MAX_DRAWS = 1_000;

  private final TaskGenerator generator;
  private final Map<String, Object> params;
  private final long seed;
  private final List<TaskExample> eval;
  private final Set<String> evalIds;

  /**
   * @throws IllegalArgumentException when the task has fewer than {@code evalSize} distinct prompts
   */
  public GeneratedDataset(
      TaskGenerator generator, Map<String, Object> params, long seed, int evalSize) {
    this.generator = generator;
    this.params = params == null ? Map.of() : Map.copyOf(params);
    this.seed = seed;
    var rng = new SplittableRandom(PromptDataset.mix(seed, -1));
    var examples = new ArrayList<TaskExample>();
    var ids = new HashSet<String>();
    int draws = 0;
    while (examples.size() < evalSize) {
      if (++draws > MAX_DRAWS * (long) Math.max(1, evalSize)) {
        throw new IllegalArgumentException(
            "dataset.evalSize must be at most the number of distinct prompts of "
                + generator.name()
                + " (found "
                + examples.size()
                + "), was "
                + evalSize);
      }
      TaskExample e = generator.generate(rng, this.params);
      if (ids.add(e.promptId())) {
        examples.add(e);
      }
    }
    this.eval = Collections.unmodifiableList(examples);
    this.evalIds = Set.copyOf(ids);
  }

  @Override
  public TaskExample train(long index) {
    if (index < 0) {
      throw new IllegalArgumentException("index must be >= 0, was " + index);
    }
    var rng = new SplittableRandom(PromptDataset.mix(seed, index));
    for (int i = 0; i < MAX_DRAWS; i++) {
      TaskExample e = generator.generate(rng, params);
      if (!evalIds.contains(e.promptId())) {
        return e;
      }
    }
    throw new IllegalStateException(
        "no training prompt outside the evaluation set after "
            + MAX_DRAWS
            + " draws: the evaluation set covers (nearly) all prompts of "
            + generator.name());
  }

  @Override
  public List<TaskExample> eval() {
    return eval;
  }
}
