package dev.grpo.policy.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.grpo.policy.model.LlamaModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.tokenizer.CharTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SamplerTest {

  /** Cached vs uncached float32 passes differ by summation order only. */
  static final double TOL = 1e-4;

  static final CharTokenizer TOK = CharTokenizer.printableAscii();
  static LlamaModel model;
  static final List<int[]> PROMPTS =
      List.of(new int[] {1, 20, 21, 22, 23, 24}, new int[] {1, 40, 41}, new int[] {1, 60, 61, 62});

  @BeforeAll
  static void init() {
    // initializer_range 0.2 makes the random model's distributions peaked enough to be interesting.
    ModelConfig cfg =
        new ModelConfig(
            ModelConfig.LLAMA,
            TOK.vocabSize(),
            32,
            64,
            2,
            4,
            2,
            64,
            1e-6,
            10000,
            false,
            false,
            1,
            2,
            0.2);
    model = LlamaModel.randomInit(cfg, Device.cpu(), 42);
  }

  @AfterAll
  static void close() {
    model.close();
  }

  @Test
  void greedyKvCacheGenerationEqualsFullForwardDecoding() {
    int v = model.config().vocabSize();
    java.util.Map<Integer, List<float[]>> rowLogits = new java.util.HashMap<>();
    List<Generation> gens =
        new Sampler(
                (step, logits, rows) -> {
                  float[] all = logits.toFloatArray();
                  for (int i = 0; i < rows.length; i++) {
                    rowLogits
                        .computeIfAbsent(rows[i], k -> new ArrayList<>())
                        .add(java.util.Arrays.copyOfRange(all, i * v, (i + 1) * v));
                  }
                })
            .generate(model, TOK, PROMPTS, SamplingConfig.greedy(10));
    try (NDManager m = NDManager.newBaseManager()) {
      for (int row = 0; row < PROMPTS.size(); row++) {
        List<Integer> seq = new ArrayList<>();
        for (int t : PROMPTS.get(row)) {
          seq.add(t);
        }
        Generation g = gens.get(row);
        for (int step = 0; step < g.tokenIds().length; step++) {
          long[] ids = seq.stream().mapToLong(Integer::longValue).toArray();
          float[] last =
              model
                  .forward(m.create(ids, new Shape(1, ids.length)), null)
                  .get("0, -1, :")
                  .toFloatArray();
          float[] cached = rowLogits.get(row).get(step);
          assertMaxAbs(cached, last, TOL);
          int argmax = 0;
          for (int k = 1; k < v; k++) {
            argmax = last[k] > last[argmax] ? k : argmax;
          }
          assertThat(g.tokenIds()[step]).as("row %d step %d", row, step).isEqualTo(argmax);
          seq.add(argmax);
        }
        assertThat(g.finishReason())
            .isEqualTo(
                g.tokenIds().length == 10 && g.tokenIds()[9] != 2
                    ? FinishReason.LENGTH
                    : FinishReason.STOP);
      }
    }
  }

  @Test
  void logProbsAtTemperatureOneEqualLogSoftmaxOfAFullForward() {
    List<Generation> gens =
        new Sampler().generate(model, TOK, PROMPTS, SamplingConfig.ofTemperature(1.0, 12, 7));
    assertLogProbsMatchFullForward(PROMPTS, gens);
  }

  /** A GRPO-shaped call: every prompt G times (prefilled once), rows of uneven lengths. */
  static final List<int[]> GROUPS =
      java.util.stream.Stream.of(PROMPTS.get(0), PROMPTS.get(1), PROMPTS.get(2))
          .flatMap(p -> java.util.stream.Stream.of(p, p, p, p))
          .toList();

  @Test
  void sharedPrefillAndContinuousBatchingKeepLogProbsOfAFullForward() {
    // EOS (id 2) and three stop ids make rows end at different steps, so rows leave and join.
    SamplingConfig cfg = new SamplingConfig(1.0, 1.0, 0, 20, List.of(), List.of(5, 6, 7), 3);
    List<Generation> all = new Sampler().generate(model, TOK, GROUPS, cfg);
    assertLogProbsMatchFullForward(GROUPS, all);
    assertThat(all.stream().mapToInt(g -> g.tokenIds().length).distinct().count())
        .as("uneven lengths")
        .isGreaterThan(2);
    for (int maxRows : new int[] {1, 3, 5}) {
      List<Generation> continuous = new Sampler(maxRows, null).generate(model, TOK, GROUPS, cfg);
      assertLogProbsMatchFullForward(GROUPS, continuous);
      for (int i = 0; i < GROUPS.size(); i++) {
        assertThat(continuous.get(i).tokenIds())
            .as("maxRows %d row %d", maxRows, i)
            .isEqualTo(all.get(i).tokenIds());
        assertThat(continuous.get(i).finishReason()).isEqualTo(all.get(i).finishReason());
      }
    }
  }

  @Test
  void aRowsCompletionDependsOnItsOwnSeedNotOnTheOtherRows() {
    SamplingConfig cfg = SamplingConfig.ofTemperature(1.0, 12, 0);
    long[] seeds = {11, 12, 13};
    for (Sampler.Draw draw : Sampler.Draw.values()) {
      Sampler sampler = new Sampler(0, null, draw);
      List<Generation> together = sampler.generate(model, TOK, PROMPTS, cfg, seeds);
      for (int i = 0; i < PROMPTS.size(); i++) {
        Generation alone =
            sampler
                .generate(model, TOK, List.of(PROMPTS.get(i)), cfg, new long[] {seeds[i]})
                .get(0);
        assertThat(alone.tokenIds()).as("%s row %d", draw, i).isEqualTo(together.get(i).tokenIds());
      }
    }
  }

  @Test
  void theDrawOnTheDevicePicksWhatTheJavaDrawPicksFromTheSameStreams() {
    // Temperatures 1, 0.7 and greedy; shared prompts and uneven lengths, all rows and 5 slots.
    for (double t : new double[] {1.0, 0.7, 0.0}) {
      SamplingConfig cfg = new SamplingConfig(t, 1.0, 0, 20, List.of(), List.of(5, 6, 7), 3);
      for (int maxRows : new int[] {0, 5}) {
        List<Generation> device =
            new Sampler(maxRows, null, Sampler.Draw.DEVICE).generate(model, TOK, GROUPS, cfg);
        List<Generation> java =
            new Sampler(maxRows, null, Sampler.Draw.HOST).generate(model, TOK, GROUPS, cfg);
        for (int i = 0; i < GROUPS.size(); i++) {
          assertThat(device.get(i).tokenIds())
              .as("t %s maxRows %d row %d", t, maxRows, i)
              .isEqualTo(java.get(i).tokenIds());
          for (int j = 0; j < device.get(i).logProbs().length; j++) {
            assertThat((double) device.get(i).logProbs()[j])
                .isCloseTo(java.get(i).logProbs()[j], org.assertj.core.data.Offset.offset(1e-5));
          }
        }
        if (t == 1.0) {
          assertLogProbsMatchFullForward(GROUPS, device);
        }
      }
    }
  }

  @Test
  void rowsFedIntoARunningCallGetTheCompletionsOfTheirOwnSeeds() {
    SamplingConfig cfg = new SamplingConfig(1.0, 1.0, 0, 20, List.of(), List.of(5, 6, 7), 3);
    long[] seeds = new long[GROUPS.size()];
    for (int i = 0; i < seeds.length; i++) {
      seeds[i] = 100 + i;
    }
    List<Generation> all = new Sampler().generate(model, TOK, GROUPS, cfg, seeds);
    // A feed that has one new row ready every third time it is asked (a queue filling while the
    // call runs), or at once when nothing runs, into 4 slots; completions arrive as rows end.
    Generation[] fed = new Generation[GROUPS.size()];
    List<Integer> order = new ArrayList<>();
    new Sampler(4, null)
        .generate(
            model,
            TOK,
            cfg,
            new Sampler.Feed<Integer>() {
              int asked;
              int next;

              @Override
              public List<Integer> next(int max) {
                asked++;
                boolean idle = max == 4; // nothing running: a live queue would block here
                return next < GROUPS.size() && (idle || asked % 3 == 0)
                    ? List.of(next++)
                    : List.of();
              }

              @Override
              public int[] prompt(Integer row) {
                return GROUPS.get(row);
              }

              @Override
              public long seed(Integer row) {
                return seeds[row];
              }

              @Override
              public void finished(Integer row, Generation g) {
                fed[row] = g;
                order.add(row);
              }
            });
    assertThat(order).hasSize(GROUPS.size()).doesNotHaveDuplicates();
    for (int i = 0; i < GROUPS.size(); i++) {
      assertThat(fed[i].tokenIds()).as("row %d", i).isEqualTo(all.get(i).tokenIds());
    }
    assertLogProbsMatchFullForward(GROUPS, List.of(fed));
  }

  static void assertLogProbsMatchFullForward(List<int[]> prompts, List<Generation> gens) {
    try (NDManager m = NDManager.newBaseManager()) {
      for (int row = 0; row < prompts.size(); row++) {
        int[] p = prompts.get(row);
        Generation g = gens.get(row);
        assertThat(g.logProbs()).hasSameSizeAs(g.tokenIds());
        long[] ids = new long[p.length + g.tokenIds().length];
        for (int i = 0; i < p.length; i++) {
          ids[i] = p[i];
        }
        for (int i = 0; i < g.tokenIds().length; i++) {
          ids[p.length + i] = g.tokenIds()[i];
        }
        NDArray logp = model.forward(m.create(ids, new Shape(1, ids.length)), null).logSoftmax(-1);
        for (int i = 0; i < g.tokenIds().length; i++) {
          float ref = logp.getFloat(0, p.length + i - 1, g.tokenIds()[i]);
          assertThat((double) g.logProbs()[i])
              .as("row %d token %d", row, i)
              .isCloseTo(ref, org.assertj.core.data.Offset.offset(TOL));
        }
      }
    }
  }

  @Test
  void sameSeedSameCompletionsOtherSeedOtherCompletions() {
    SamplingConfig cfg = new SamplingConfig(0.9, 0.95, 40, 16, List.of(), List.of(), 123);
    List<Generation> a = new Sampler().generate(model, TOK, PROMPTS, cfg);
    List<Generation> b = new Sampler().generate(model, TOK, PROMPTS, cfg);
    List<Generation> c =
        new Sampler()
            .generate(
                model,
                TOK,
                PROMPTS,
                new SamplingConfig(0.9, 0.95, 40, 16, List.of(), List.of(), 124));
    for (int i = 0; i < PROMPTS.size(); i++) {
      assertThat(a.get(i).tokenIds()).containsExactly(b.get(i).tokenIds());
      assertThat(a.get(i).logProbs()).containsExactly(b.get(i).logProbs());
      assertThat(a.get(i).text()).isEqualTo(b.get(i).text());
    }
    assertThat(a.stream().map(g -> java.util.Arrays.toString(g.tokenIds())).toList())
        .isNotEqualTo(c.stream().map(g -> java.util.Arrays.toString(g.tokenIds())).toList());
  }

  @Test
  void topKOneIsGreedyWithLogProbZero() {
    List<Generation> greedy = new Sampler().generate(model, TOK, PROMPTS, SamplingConfig.greedy(6));
    List<Generation> k1 =
        new Sampler()
            .generate(
                model, TOK, PROMPTS, new SamplingConfig(0.7, 1.0, 1, 6, List.of(), List.of(), 5));
    for (int i = 0; i < PROMPTS.size(); i++) {
      assertThat(k1.get(i).tokenIds()).containsExactly(greedy.get(i).tokenIds());
      for (float lp : k1.get(i).logProbs()) {
        assertThat(lp).isEqualTo(0f);
      }
    }
  }

  @Test
  void stopTokensAndStopStringsEndWithStop() {
    Generation g =
        new Sampler()
            .generate(model, TOK, List.of(PROMPTS.get(0)), SamplingConfig.greedy(12))
            .get(0);
    assertThat(g.tokenIds().length).isGreaterThanOrEqualTo(3);
    int third = g.tokenIds()[2];
    Generation stopped =
        new Sampler()
            .generate(
                model,
                TOK,
                List.of(PROMPTS.get(0)),
                new SamplingConfig(0, 1, 0, 12, List.of(), List.of(third), 0))
            .get(0);
    int firstAt = 0;
    while (g.tokenIds()[firstAt] != third) {
      firstAt++;
    }
    assertThat(stopped.tokenIds()).hasSize(firstAt + 1);
    assertThat(stopped.finishReason()).isEqualTo(FinishReason.STOP);

    String full = TOK.decode(java.util.Arrays.copyOf(g.tokenIds(), 3));
    if (!full.isEmpty()) {
      String stop = full.substring(full.length() - 1);
      Generation byString =
          new Sampler()
              .generate(
                  model,
                  TOK,
                  List.of(PROMPTS.get(0)),
                  new SamplingConfig(0, 1, 0, 12, List.of(stop), List.of(), 0))
              .get(0);
      assertThat(byString.finishReason()).isEqualTo(FinishReason.STOP);
      assertThat(byString.text()).doesNotContain(stop);
      assertThat(full).startsWith(byString.text());
    }
    Generation len =
        new Sampler()
            .generate(
                model,
                TOK,
                List.of(PROMPTS.get(0)),
                new SamplingConfig(1.0, 1, 0, 1, List.of(), List.of(), 0))
            .get(0);
    assertThat(len.tokenIds()).hasSize(1);
  }

  @Test
  void samplingOnAWorkerThreadBuildsNoAutogradGraph() throws Exception {
    model.parameters().values().forEach(p -> p.setRequiresGradient(true));
    try {
      AtomicReference<Throwable> failure = new AtomicReference<>();
      List<Boolean> requiresGrad = new ArrayList<>();
      Thread worker =
          new Thread(
              () -> {
                try {
                  assertThat(JniUtils.isGradMode()).as("libtorch default on a new thread").isTrue();
                  new Sampler((s, logits, rows) -> requiresGrad.add(hasAutogradGraph(logits)))
                      .generate(model, TOK, PROMPTS, SamplingConfig.ofTemperature(1.0, 4, 1));
                  assertThat(JniUtils.isGradMode()).as("grad mode restored").isTrue();
                } catch (Throwable t) {
                  failure.set(t);
                }
              });
      worker.start();
      worker.join();
      if (failure.get() != null) {
        throw new AssertionError(failure.get());
      }
      assertThat(requiresGrad).isNotEmpty().containsOnly(false);
      // Control: the same forward with grad mode on does build a graph.
      boolean was = JniUtils.isGradMode();
      JniUtils.setGradMode(true);
      try (NDManager m = NDManager.newBaseManager()) {
        NDArray out = model.forward(m.create(new long[] {1, 2}, new Shape(1, 2)), null);
        assertThat(hasAutogradGraph(out)).isTrue();
      } finally {
        JniUtils.setGradMode(was);
      }
    } finally {
      model.parameters().values().forEach(p -> p.setRequiresGradient(false));
    }
  }

  @Test
  void badRequestsAreRejectedWithTheReason() {
    assertThatThrownBy(
            () -> new Sampler().generate(model, TOK, List.of(new int[0]), SamplingConfig.greedy(2)))
        .hasMessageContaining("prompt 0 is empty");
    assertThatThrownBy(
            () ->
                new Sampler()
                    .generate(model, TOK, List.of(new int[] {1, 999}), SamplingConfig.greedy(2)))
        .hasMessageContaining("token id 999 outside [0, 100)");
    assertThatThrownBy(
            () ->
                new Sampler()
                    .generate(model, TOK, List.of(new int[] {1}), SamplingConfig.greedy(64)))
        .hasMessageContaining("must be <= max_position_embeddings 64");
    assertThatThrownBy(() -> new SamplingConfig(1, 0, 0, 1, null, null, 0))
        .hasMessage("topP must be in (0, 1], was 0.0");
  }

  /**
   * Whether backward from {@code a} reaches anything. (JniUtils.requiresGrad answers false even for
   * graph nodes in this DJL version, and asking a graph-less tensor for its grad_fn aborts the JVM,
   * so a backward attempt is the reliable probe.)
   */
  static boolean hasAutogradGraph(NDArray a) {
    try (NDArray ones = a.onesLike()) {
      JniUtils.backward((PtNDArray) a, (PtNDArray) ones, false, false);
      model.parameters().values().forEach(p -> p.getGradient().close());
      return true;
    } catch (ai.djl.engine.EngineException e) {
      assertThat(e).hasMessageContaining("does not require grad");
      return false;
    }
  }

  static void assertMaxAbs(float[] a, float[] b, double tol) {
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs(a[i] - b[i]));
    }
    assertThat(worst).isLessThanOrEqualTo(tol);
  }
}
