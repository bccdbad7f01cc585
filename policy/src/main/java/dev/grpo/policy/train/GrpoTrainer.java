package dev.grpo.policy.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grpo.policy.model.LlamaModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One GRPO update per {@link #step(List)}: group advantages, μ inner iterations, each one pass of
 * gradient accumulation over micro-batches followed by one AdamW update.
 *
 * <p>Per step: the old-policy log-probs ({@code logp_old}, needed only when μ &gt; 1; with μ = 1
 * they equal the current log-probs in value, so the detached current ones are used) and the
 * reference log-probs (only when beta &gt; 0) are computed first, without a graph, micro-batch by
 * micro-batch, and kept as Java arrays. Then, μ times: zero gradients; for each micro-batch pack,
 * forward, loss share ({@link GrpoLoss} with whole-batch {@link BatchTotals}) and backward, all
 * intermediates closed with the micro-batch; then clip and update. Peak activation memory therefore
 * depends on the micro-batch size only.
 *
 * <p>The trainer draws no random numbers (no dropout, fixed micro-batch order), so its resumable
 * state is the step counter plus the optimizer's moments and step. Not thread-safe; DJL allows one
 * gradient collector per process at a time.
 */
public final class GrpoTrainer implements AutoCloseable {

  /** File with the trainer's step counter and configuration inside a checkpoint directory. */
  public static final String STATE_JSON_FILE = "trainer_state.json";

  private static final String FORMAT = "grpo-trainer-v1";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final LlamaModel policy;
  private final LlamaModel reference;
  private final boolean ownsReference;
  private final GrpoTrainerConfig config;
  private final AdamW optimizer;
  private long step;

  /**
   * A trainer that, when beta &gt; 0, makes its own frozen reference model as a copy of the
   * policy's current weights (and closes it on {@link #close()}); when beta = 0 no reference is
   * made.
   */
  public GrpoTrainer(LlamaModel policy, GrpoTrainerConfig config) {
    this(policy, config.loss().beta() > 0 ? policy.copyFrozen() : null, config, true);
  }

  /**
   * A trainer with a given reference model (owned by the caller), which must be non-null exactly
   * when beta &gt; 0.
   */
  public GrpoTrainer(LlamaModel policy, LlamaModel reference, GrpoTrainerConfig config) {
    this(policy, reference, config, false);
  }

  private GrpoTrainer(
      LlamaModel policy, LlamaModel reference, GrpoTrainerConfig config, boolean ownsRef) {
    if (config.loss().beta() > 0 && reference == null) {
      throw new IllegalArgumentException(
          "reference must be given when beta > 0, beta was " + config.loss().beta());
    }
    if (config.loss().beta() == 0 && reference != null) {
      throw new IllegalArgumentException(
          "reference must be null when beta = 0 (it would be unused)");
    }
    this.policy = policy;
    this.reference = reference;
    this.ownsReference = ownsRef;
    this.config = config;
    for (NDArray p : policy.parameters().values()) {
      p.setRequiresGradient(true);
    }
    this.optimizer = new AdamW(policy.parameters(), config.optimizer());
  }

  /** The configuration. */
  public GrpoTrainerConfig config() {
    return config;
  }

  /** The optimizer (its step counter, learning rate). */
  public AdamW optimizer() {
    return optimizer;
  }

  /** GRPO steps taken so far. */
  public long stepCount() {
    return step;
  }

  /** A flattened completion with its prompt and advantage. */
  private record Row(int[] prompt, TrainingSample sample, float advantage) {}

  /**
   * Runs one GRPO step on a batch of scored groups and returns its metrics.
   *
   * @param groups the batch: at least one group; token ids must be in the model's vocabulary
   */
  public StepMetrics step(List<TrainingGroup> groups) {
    if (groups == null || groups.isEmpty()) {
      throw new IllegalArgumentException("groups must hold at least 1 group, was empty");
    }
    int vocab = policy.config().vocabSize();
    LossConfig loss = config.loss();
    List<double[]> groupRewards = new ArrayList<>();
    List<double[][]> groupComponents = new ArrayList<>();
    List<double[]> groupWeights = new ArrayList<>();
    for (TrainingGroup group : groups) {
      groupWeights.add(group.componentWeights());
      groupRewards.add(group.rewards());
      groupComponents.add(
          group.completions().stream()
              .map(TrainingSample::rewardComponents)
              .toArray(double[][]::new));
    }
    List<double[]> advantages =
        BatchAdvantages.compute(
            groupRewards, groupComponents, groupWeights, loss.scale(), loss.rewardAggregation());
    List<Row> rows = new ArrayList<>();
    int zeroStd = 0;
    List<Double> allRewards = new ArrayList<>();
    for (int g = 0; g < groups.size(); g++) {
      TrainingGroup group = groups.get(g);
      checkTokens(group.promptTokenIds(), vocab, "groups[" + g + "].promptTokenIds");
      double[] rewards = group.rewards();
      if (GroupAdvantages.isConstant(rewards)) {
        zeroStd++;
      }
      double[] adv = advantages.get(g);
      for (int i = 0; i < rewards.length; i++) {
        TrainingSample s = group.completions().get(i);
        checkTokens(
            s.completionTokenIds(),
            vocab,
            "groups[" + g + "].completions[" + i + "].completionTokenIds");
        rows.add(new Row(group.promptTokenIds(), s, (float) adv[i]));
        allRewards.add(rewards[i]);
      }
    }
    int n = rows.size();
    int mbs = config.microBatchSize();
    int microBatches = (n + mbs - 1) / mbs;
    long activeTokens = 0;
    int longest = 0;
    for (Row r : rows) {
      if (!(loss.maskTruncated() && r.sample().truncated())) {
        activeTokens += r.sample().completionTokenIds().length;
      }
      longest = Math.max(longest, r.sample().completionTokenIds().length);
    }
    int maxLen =
        config.maxCompletionLength() > 0 ? config.maxCompletionLength() : Math.max(1, longest);
    BatchTotals totals = new BatchTotals(n, activeTokens, maxLen, microBatches);

    long t0 = System.nanoTime();
    float[][] oldLogp = config.mu() > 1 ? logProbs(policy, rows) : null;
    float[][] refLogp = config.loss().beta() > 0 ? logProbs(reference, rows) : null;
    long fbNanos = System.nanoTime() - t0;
    long optNanos = 0;

    double lossSum = 0;
    double klSum = 0;
    double entropySum = 0;
    long clipLow = 0;
    long clipHigh = 0;
    LossResult stats = null;
    AdamW.Update last = null;
    int skipped = 0;
    for (int it = 0; it < config.mu(); it++) {
      long t1 = System.nanoTime();
      optimizer.zeroGradients();
      try (GradientCollector gc = policy.manager().getEngine().newGradientCollector()) {
        for (int from = 0; from < n; from += mbs) {
          int to = Math.min(n, from + mbs);
          try (NDScope scope = new NDScope();
              NDManager m = policy.manager().newSubManager()) {
            scope.suppressNotUsedWarning();
            List<Row> mb = rows.subList(from, to);
            TokenLogProbs.Batch batch =
                TokenLogProbs.pack(
                    m,
                    mb.stream().map(Row::prompt).toList(),
                    mb.stream().map(r -> r.sample().completionTokenIds()).toList(),
                    0);
            int width = batch.completionWidth();
            if (width == 0) {
              continue; // only empty completions: no token contributes to any variant's sum
            }
            TokenLogProbs.Result lp =
                TokenLogProbs.compute(policy, batch, config.temperature(), true);
            NDArray old =
                oldLogp == null ? lp.logp().stopGradient() : padded(m, oldLogp, from, to, width);
            NDArray ref = refLogp == null ? null : padded(m, refLogp, from, to, width);
            NDArray beh = null;
            if (loss.usesBehaviour()) {
              beh = behaviour(m, mb, old, width);
            }
            float[] adv = new float[mb.size()];
            float[] truncated = new float[mb.size()];
            for (int i = 0; i < adv.length; i++) {
              adv[i] = mb.get(i).advantage();
              truncated[i] = mb.get(i).sample().truncated() ? 1f : 0f;
            }
            LossResult res =
                GrpoLoss.compute(
                    new LossInputs(
                        lp.logp(), old, ref, beh, m.create(adv), lp.mask(), m.create(truncated)),
                    loss,
                    totals);
            gc.backward(res.loss());
            lossSum += res.lossValue();
            klSum += res.klSum();
            clipLow += res.clipLowCount();
            clipHigh += res.clipHighCount();
            stats = stats == null ? res : stats.plus(res);
            entropySum += lp.entropy().sum().getFloat();
          }
        }
      }
      long t2 = System.nanoTime();
      AdamW.Update update = optimizer.step();
      if (update.skipped()) {
        skipped++;
      }
      // Report the last update that was applied: a skipped one changed nothing, and with μ > 1 its
      // non-finite norm would otherwise read as a broken step although earlier updates were fine.
      if (last == null || !update.skipped() || last.skipped()) {
        last = update;
      }
      optNanos += System.nanoTime() - t2;
      fbNanos += t2 - t1;
    }
    step++;
    double perToken = Math.max(1, activeTokens) * (double) config.mu();
    double rewardMean = allRewards.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    double rewardStd =
        allRewards.size() < 2
            ? 0
            : GroupAdvantages.std(allRewards.stream().mapToDouble(Double::doubleValue).toArray());
    return new StepMetrics(
        step,
        optimizer.stepCount(),
        lossSum / config.mu(),
        klSum / perToken,
        clipLow / perToken,
        clipHigh / perToken,
        entropySum / perToken,
        last.gradNorm(),
        last.learningRate(),
        activeTokens,
        n,
        groups.size(),
        zeroStd,
        rewardMean,
        rewardStd,
        skipped,
        fbNanos / 1_000_000,
        optNanos / 1_000_000,
        stats == null ? 0 : stats.clipDeltaCount() / perToken,
        stats == null ? 0 : stats.maskedCount() / perToken,
        stats == null ? 0 : stats.truncatedTokens() / config.mu(),
        stats == null || stats.activeTokens() == 0 ? 1 : stats.isWeightSum() / stats.activeTokens(),
        stats == null || stats.activeTokens() == 0 ? 1 : stats.isWeightMin(),
        stats == null || stats.activeTokens() == 0 ? 1 : stats.isWeightMax());
  }

  private static void checkTokens(int[] ids, int vocab, String field) {
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < 0 || ids[i] >= vocab) {
        throw new IllegalArgumentException(
            field + "[" + i + "] must be a token id in [0, " + vocab + "), was " + ids[i]);
      }
    }
  }

  /** Log-probs of every row under {@code model}, without a graph, micro-batch by micro-batch. */
  private float[][] logProbs(LlamaModel model, List<Row> rows) {
    return TokenLogProbs.compute(
        model,
        rows.stream().map(Row::prompt).toList(),
        rows.stream().map(r -> r.sample().completionTokenIds()).toList(),
        config.temperature(),
        config.microBatchSize());
  }

  /** Rows {@code from..to} of per-sample arrays as a [B, width] array, 0 at padding. */
  private static NDArray padded(NDManager m, float[][] values, int from, int to, int width) {
    float[] flat = new float[(to - from) * width];
    for (int i = from; i < to; i++) {
      System.arraycopy(values[i], 0, flat, (i - from) * width, values[i].length);
    }
    return m.create(flat, new Shape(to - from, width));
  }

  /**
   * Behaviour log-probs as [B, width]; a sample without recorded log-probs takes {@code old}'s
   * values so that its importance weight is exactly 1.
   */
  private static NDArray behaviour(NDManager m, List<Row> mb, NDArray old, int width) {
    float[] oldFlat = null;
    float[] flat = new float[mb.size() * width];
    for (int i = 0; i < mb.size(); i++) {
      float[] b = mb.get(i).sample().behaviourLogProbs();
      if (b != null) {
        System.arraycopy(b, 0, flat, i * width, b.length);
      } else {
        if (oldFlat == null) {
          oldFlat = old.toFloatArray();
        }
        System.arraycopy(oldFlat, i * width, flat, i * width, width);
      }
    }
    return m.create(flat, new Shape(mb.size(), width));
  }

  /**
   * Writes the resumable state into the existing directory {@code dir}: the optimizer's files
   * ({@link AdamW#STATE_TENSORS_FILE}, {@link AdamW#STATE_JSON_FILE}) and {@value #STATE_JSON_FILE}
   * (step counter, configuration). Weights are not written here: they go through the checkpoint
   * package.
   */
  public void saveState(Path dir) {
    optimizer.saveState(dir);
    writeJson(dir.resolve(STATE_JSON_FILE));
  }

  /**
   * The state files as writers keyed by file name, for {@code HfCheckpoint.save(dir, model,
   * tokenizer, trainer.stateFileWriters())}, which calls each with the path to write inside its
   * temporary directory, so weights and state land atomically together.
   */
  public Map<String, Consumer<Path>> stateFileWriters() {
    Map<String, Consumer<Path>> writers = new java.util.LinkedHashMap<>();
    writers.put(AdamW.STATE_TENSORS_FILE, optimizer::writeTensors);
    writers.put(AdamW.STATE_JSON_FILE, optimizer::writeJson);
    writers.put(STATE_JSON_FILE, this::writeJson);
    return writers;
  }

  private void writeJson(Path file) {
    try {
      ObjectNode json = JSON.createObjectNode();
      json.put("format", FORMAT);
      json.put("step", step);
      json.set("config", JSON.valueToTree(config));
      Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write trainer state to " + file, e);
    }
  }

  /** Restores the state written by {@link #saveState(Path)} (weights are restored separately). */
  public void loadState(Path dir) {
    Path file = dir.resolve(STATE_JSON_FILE);
    try {
      var node = JSON.readTree(file.toFile());
      if (!FORMAT.equals(node.path("format").asText())) {
        throw new IllegalArgumentException(
            file + ": format must be " + FORMAT + ", was " + node.path("format").asText(null));
      }
      long saved = node.path("step").asLong(-1);
      if (saved < 0) {
        throw new IllegalArgumentException(file + ": step must be >= 0, was " + node.get("step"));
      }
      optimizer.loadState(dir);
      step = saved;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read trainer state from " + dir, e);
    }
  }

  @Override
  public void close() {
    optimizer.close();
    if (ownsReference && reference != null) {
      reference.close();
    }
  }
}
