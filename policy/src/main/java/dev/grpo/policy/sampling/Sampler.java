package dev.grpo.policy.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.grpo.policy.model.KvCache;
import dev.grpo.policy.model.LlamaModel;
import dev.grpo.policy.tokenizer.Tokenizer;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Batched autoregressive sampling with a KV cache.
 *
 * <p>Prompts are left-padded to a common length and prefilled in one forward pass, each distinct
 * prompt once (a GRPO group's G rows share one prefill, its KV cache repeated G times), then
 * extended one token per step. A finished row leaves the batch and its cache at once; with {@code
 * maxRows} the next waiting prompt takes its place (continuous batching). Positions come from the
 * mask, so a row's left padding, whether from the prompt or from joining a longer-running batch,
 * changes nothing in its logits. Each row draws from its own random stream derived from (seed, row
 * index), or from a seed of its own ({@link #generate(LlamaModel, Tokenizer, List, SamplingConfig,
 * long[])}); the stream lives in Java, one uniform per row and step. Greedy and plain temperature
 * sampling draw on the logits' device ({@link DeviceDraw}: inverse CDF against that uniform), so
 * only the chosen ids and their log-probs leave it (see {@link Draw} for when); top-k and top-p
 * copy the last-position logits to Java and draw there in double precision ({@link #choose}), with
 * the same inverse-CDF rule. See {@link Generation} for what the returned log-probs mean.
 *
 * <p>Autograd is switched off on the calling thread for the whole call (grad mode is per thread in
 * libtorch) and restored afterwards, so sampling never builds graphs even when the parameters
 * require gradients.
 */
public final class Sampler {

  /**
   * Test and diagnostics hook: sees each step's last-position logits {@code [B, V]} before they are
   * freed.
   */
  @FunctionalInterface
  public interface StepObserver {
    /**
     * Called once per forward call (a prefill of joining rows or a decode step); row {@code i} of
     * {@code lastLogits} {@code [rows.length, V]} is the distribution of the next token of prompt
     * {@code rows[i]}.
     */
    void onStep(int step, NDArray lastLogits, int[] rows);
  }

  private final StepObserver observer;
  private final int maxRows;
  private final Draw draw;

  /** Where the token of a row is drawn from its logits. */
  public enum Draw {
    /**
     * On the device where {@link DeviceDraw} covers the sampling config and pays: always on a GPU,
     * on the CPU from {@link DeviceDraw#CPU_MIN_VOCAB} tokens (below that, the copy of the small
     * logits and the Java loop cost less than the dozen native calls of the device draw).
     */
    AUTO,
    /** On the device wherever {@link DeviceDraw} covers the config. */
    DEVICE,
    /** Always in Java on the copied logits ({@link #choose}), the path top-k and top-p take. */
    HOST
  }

  /** A sampler that decodes all prompts of a call at once. */
  public Sampler() {
    this(0, null);
  }

  /** A sampler that reports every step's logits to {@code observer}. */
  public Sampler(StepObserver observer) {
    this(0, observer);
  }

  /**
   * A sampler that decodes at most {@code maxRows} completions at once (0 = all of a call): when
   * one finishes, the next waiting prompt of the call is prefilled and takes its place (continuous
   * batching), so a batch never waits for its longest row with idle slots.
   */
  public Sampler(int maxRows, StepObserver observer) {
    this(maxRows, observer, Draw.AUTO);
  }

  /** As {@link #Sampler(int, StepObserver)}, drawing where {@code draw} says. */
  public Sampler(int maxRows, StepObserver observer, Draw draw) {
    if (maxRows < 0) {
      throw new IllegalArgumentException("maxRows must be >= 0 (0 = all rows), was " + maxRows);
    }
    this.maxRows = maxRows;
    this.observer = observer;
    this.draw = java.util.Objects.requireNonNull(draw, "draw");
  }

  /**
   * Generates one completion per prompt.
   *
   * @param promptTokenIds non-empty prompts (add BOS yourself if the model expects it)
   * @throws IllegalArgumentException for an empty prompt, a token outside the vocabulary, or a
   *     prompt + maxNewTokens longer than max_position_embeddings
   */
  public List<Generation> generate(
      LlamaModel model, Tokenizer tokenizer, List<int[]> promptTokenIds, SamplingConfig cfg) {
    long base = new SplittableRandom(cfg.seed()).split().nextLong();
    long[] seeds = new long[promptTokenIds.size()];
    for (int i = 0; i < seeds.length; i++) {
      seeds[i] = base + 0x9E3779B97F4A7C15L * (i + 1);
    }
    return generate(model, tokenizer, promptTokenIds, cfg, seeds);
  }

  /**
   * As {@link #generate(LlamaModel, Tokenizer, List, SamplingConfig)}, but row {@code i} draws from
   * a stream seeded with {@code rowSeeds[i]} alone ({@code cfg.seed()} is not used): a row's
   * completion then does not depend on which other rows share the call, so callers that batch
   * whatever has arrived stay reproducible.
   */
  public List<Generation> generate(
      LlamaModel model,
      Tokenizer tokenizer,
      List<int[]> promptTokenIds,
      SamplingConfig cfg,
      long[] rowSeeds) {
    if (rowSeeds.length != promptTokenIds.size()) {
      throw new IllegalArgumentException(
          "rowSeeds must have one seed per prompt ("
              + promptTokenIds.size()
              + "), had "
              + rowSeeds.length);
    }
    int n = promptTokenIds.size();
    for (int i = 0; i < n; i++) {
      validate(model, cfg, promptTokenIds.get(i), "prompt " + i);
    }
    Generation[] out = new Generation[n];
    generate(
        model,
        tokenizer,
        cfg,
        new Feed<Integer>() {
          private int next;

          @Override
          public List<Integer> next(int max) {
            List<Integer> rows = new ArrayList<>();
            while (rows.size() < max && next < n) {
              rows.add(next++);
            }
            return rows;
          }

          @Override
          public int[] prompt(Integer row) {
            return promptTokenIds.get(row);
          }

          @Override
          public long seed(Integer row) {
            return rowSeeds[row];
          }

          @Override
          public void finished(Integer row, Generation g) {
            out[row] = g;
          }
        });
    return List.of(out);
  }

  /**
   * Where a {@link #generate(LlamaModel, Tokenizer, SamplingConfig, Feed)} call gets its rows and
   * sends its completions: asked for more rows whenever enough slots are free, so a caller can feed
   * the running call from a live queue. All methods are called on the generating thread.
   *
   * @param <R> the caller's handle of one row (one completion to generate)
   */
  public interface Feed<R> {
    /**
     * Up to {@code max} rows to start now, in order; an empty list when none is waiting. The call
     * ends when no row is running and this returns none.
     */
    List<R> next(int max);

    /** The row's prompt (non-empty, ids inside the vocabulary). */
    int[] prompt(R row);

    /** The seed of the row's own random stream. */
    long seed(R row);

    /** The row is finished: called at the step it ends, before the call returns. */
    void finished(R row, Generation generation);
  }

  /**
   * Generates a completion for every row {@code feed} hands out, at most {@code maxRows} at once
   * ({@code maxRows} 0: no bound, the feed is asked at every step). A row draws from its own stream
   * seeded with {@link Feed#seed}, so its completion does not depend on the rows around it.
   *
   * @throws IllegalArgumentException for a row whose prompt is empty, has a token outside the
   *     vocabulary or is too long for the context; the call stops there, and the rows not reported
   *     finished yet are not generated
   */
  public <R> void generate(
      LlamaModel model, Tokenizer tokenizer, SamplingConfig cfg, Feed<R> feed) {
    boolean gradWas = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      run(model, tokenizer, cfg, feed);
    } finally {
      JniUtils.setGradMode(gradWas);
    }
  }

  private static void validate(LlamaModel model, SamplingConfig cfg, int[] p, String what) {
    int vocab = model.config().vocabSize();
    int context = model.config().maxPositionEmbeddings();
    if (p.length == 0) {
      throw new IllegalArgumentException(
          what + " is empty; prompts need at least one token (e.g. BOS)");
    }
    for (int id : p) {
      if (id < 0 || id >= vocab) {
        throw new IllegalArgumentException(
            what + " has token id " + id + " outside [0, " + vocab + ")");
      }
    }
    if (p.length + cfg.maxNewTokens() > context) {
      throw new IllegalArgumentException(
          "longest prompt ("
              + p.length
              + ") + maxNewTokens ("
              + cfg.maxNewTokens()
              + ") must be <= max_position_embeddings "
              + context);
    }
  }

  @SuppressWarnings("unchecked")
  private <R> void run(LlamaModel model, Tokenizer tokenizer, SamplingConfig cfg, Feed<R> feed) {
    Set<Integer> stopIds = new HashSet<>(cfg.stopTokenIds());
    stopIds.add(tokenizer.eosId());
    Loop loop =
        new Loop(
            model,
            tokenizer,
            cfg,
            stopIds,
            r ->
                feed.finished(
                    (R) r.handle, new Generation(r.tokens(), r.logProbs(), r.text, r.finish)));
    int slots = maxRows > 0 ? maxRows : Integer.MAX_VALUE;
    int admitted = 0;
    try (NDManager manager = NDManager.newBaseManager(model.device(), "PyTorch");
        KvCache cache = model.newCache()) {
      List<Row> active = new ArrayList<>();
      while (true) {
        // Admitting costs a prefill call and a copy of the cache, so wait until a quarter of the
        // slots are free (or none are busy) and admit those rows together.
        int free = slots - active.size();
        if (active.isEmpty() || free >= Math.max(1, slots / 4)) {
          List<R> next = feed.next(free);
          if (!next.isEmpty()) {
            List<Row> admit = new ArrayList<>(next.size());
            for (R handle : next) {
              int[] p = feed.prompt(handle);
              validate(model, cfg, p, "prompt of row " + admitted);
              admit.add(new Row(admitted++, p, new SplittableRandom(feed.seed(handle)), handle));
            }
            loop.admit(manager, cache, active, admit);
            continue;
          }
          if (active.isEmpty()) {
            return;
          }
        }
        loop.decode(manager, cache, active);
      }
    }
  }

  /** One completion being generated: its prompt, stream, tokens so far and first cache column. */
  private static final class Row {
    final int index;
    final int[] prompt;
    final SplittableRandom rng;
    final Object handle;
    int[] tokens = new int[16];
    float[] logProbs = new float[16];
    int count;

    /** First column of the cache holding this row's real tokens (left of it: padding). */
    int start;

    FinishReason finish;
    String text;

    Row(int index, int[] prompt, SplittableRandom rng, Object handle) {
      this.index = index;
      this.prompt = prompt;
      this.rng = rng;
      this.handle = handle;
    }

    void add(int token, float logProb) {
      if (count == tokens.length) {
        tokens = java.util.Arrays.copyOf(tokens, count * 2);
        logProbs = java.util.Arrays.copyOf(logProbs, count * 2);
      }
      tokens[count] = token;
      logProbs[count++] = logProb;
    }

    int last() {
      return tokens[count - 1];
    }

    int[] tokens() {
      return java.util.Arrays.copyOf(tokens, count);
    }

    float[] logProbs() {
      return java.util.Arrays.copyOf(logProbs, count);
    }
  }

  /**
   * The generation loop's steps over a shared cache whose row {@code i} belongs to {@code
   * active.get(i)}: admitting rows (prefill, prompts shared by several rows computed once) and
   * decoding one token for every active row; finished rows leave the cache at once.
   */
  private final class Loop {
    /** Leading padding columns worth a copy of the cache to drop. */
    private static final int TRIM_COLUMNS = 32;

    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final SamplingConfig cfg;
    private final Set<Integer> stopIds;
    private final int vocab;
    private final int context;
    private final double[] scratch;
    private final boolean deviceDraw;
    private final java.util.function.Consumer<Row> finished;
    private int step;

    Loop(
        LlamaModel model,
        Tokenizer tokenizer,
        SamplingConfig cfg,
        Set<Integer> stopIds,
        java.util.function.Consumer<Row> finished) {
      this.finished = finished;
      this.model = model;
      this.tokenizer = tokenizer;
      this.cfg = cfg;
      this.stopIds = stopIds;
      this.vocab = model.config().vocabSize();
      this.context = model.config().maxPositionEmbeddings();
      this.scratch = new double[vocab];
      this.deviceDraw =
          DeviceDraw.covers(cfg, vocab)
              && (draw == Draw.DEVICE
                  || (draw == Draw.AUTO && DeviceDraw.pays(model.device(), vocab)));
    }

    /**
     * Prefills {@code admit}'s prompts (each distinct prompt once), draws their first tokens and
     * appends the rows still running to the cache, left-padding the shorter side.
     */
    void admit(NDManager manager, KvCache cache, List<Row> active, List<Row> admit) {
      Map<IntBuffer, Integer> distinct = new HashMap<>();
      List<int[]> unique = new ArrayList<>();
      int[] which = new int[admit.size()];
      int promptLen = 0;
      for (int i = 0; i < admit.size(); i++) {
        int[] p = admit.get(i).prompt;
        Integer u = distinct.get(IntBuffer.wrap(p));
        if (u == null) {
          u = unique.size();
          distinct.put(IntBuffer.wrap(p), u);
          unique.add(p);
          promptLen = Math.max(promptLen, p.length);
        }
        which[i] = u;
      }
      int u = unique.size();
      long[] ids = new long[u * promptLen];
      long[] mask = new long[u * promptLen];
      for (int r = 0; r < u; r++) {
        int[] p = unique.get(r);
        int pad = promptLen - p.length;
        for (int j = 0; j < promptLen; j++) {
          ids[r * promptLen + j] = j < pad ? tokenizer.padId() : p[j - pad];
          mask[r * promptLen + j] = j < pad ? 0 : 1;
        }
      }
      List<Long> keep = new ArrayList<>();
      List<Row> joining = new ArrayList<>();
      try (NDManager stepManager = manager.newSubManager();
          KvCache fresh = model.newCache()) {
        NDArray last =
            model.forward(
                stepManager.create(ids, new Shape(u, promptLen)),
                stepManager.create(mask, new Shape(u, promptLen)),
                fresh,
                true);
        if (observer != null) {
          long[] expand = new long[admit.size()];
          for (int i = 0; i < expand.length; i++) {
            expand[i] = which[i];
          }
          observer.onStep(
              step, last.get(new NDIndex("{}", stepManager.create(expand))), indices(admit));
        }
        boolean[] done = pick(last, admit, which, u < admit.size());
        for (int i = 0; i < admit.size(); i++) {
          Row r = admit.get(i);
          r.start = promptLen - r.prompt.length;
          if (!done[i]) {
            keep.add((long) which[i]);
            joining.add(r);
          }
        }
        step++;
        if (joining.isEmpty()) {
          return;
        }
        fresh.selectRows(keep.stream().mapToLong(Long::longValue).toArray());
        if (!active.isEmpty()) {
          int shift = cache.length() - promptLen;
          if (shift > 0) {
            fresh.padLeft(shift);
            joining.forEach(r -> r.start += shift);
          } else if (shift < 0) {
            cache.padLeft(-shift);
            active.forEach(r -> r.start -= shift);
          }
        } else {
          cache.clear();
        }
        cache.appendRows(fresh);
        active.addAll(joining);
      }
    }

    /** One token for every active row; finished rows leave the cache. */
    void decode(NDManager manager, KvCache cache, List<Row> active) {
      int b = active.size();
      int width = cache.length() + 1;
      int trim = active.stream().mapToInt(r -> r.start).min().orElse(0);
      if (trim >= TRIM_COLUMNS || (trim > 0 && width > context)) {
        cache.trimLeft(trim);
        for (Row r : active) {
          r.start -= trim;
        }
        width -= trim;
      }
      long[] input = new long[b];
      long[] mask = new long[b * width];
      for (int i = 0; i < b; i++) {
        Row r = active.get(i);
        input[i] = r.last();
        java.util.Arrays.fill(mask, i * width + r.start, (i + 1) * width, 1L);
      }
      boolean[] done;
      try (NDManager stepManager = manager.newSubManager()) {
        NDArray last =
            model.forward(
                stepManager.create(input, new Shape(b, 1)),
                stepManager.create(mask, new Shape(b, width)),
                cache,
                true);
        if (observer != null) {
          observer.onStep(step, last, indices(active));
        }
        done = pick(last, active, null, false);
      }
      step++;
      List<Row> running = new ArrayList<>(b);
      long[] keep = new long[b];
      for (int i = 0; i < b; i++) {
        if (!done[i]) {
          keep[running.size()] = i;
          running.add(active.get(i));
        }
      }
      if (running.size() < b) {
        cache.selectRows(java.util.Arrays.copyOf(keep, running.size()));
        active.clear();
        active.addAll(running);
      }
    }

    /**
     * Draws the next token of each of {@code rows}, row {@code i} from line {@code which[i]} of
     * {@code logits} (null: line i; {@code expand}: the lines must first be gathered per row), and
     * returns which rows are finished. Each row's uniform comes from its own stream, in Java; with
     * {@link DeviceDraw} the draw happens on the logits' device and only ids and log-probs come
     * back, otherwise the logits are copied here for {@link #choose}.
     */
    private boolean[] pick(NDArray logits, List<Row> rows, int[] which, boolean expand) {
      int n = rows.size();
      boolean[] done = new boolean[n];
      if (deviceDraw) {
        NDArray perRow = logits;
        if (expand) {
          long[] idx = new long[n];
          for (int i = 0; i < n; i++) {
            idx[i] = which[i];
          }
          NDArray index = logits.getManager().create(idx).toDevice(logits.getDevice(), false);
          perRow = logits.get(new NDIndex("{}", index));
        }
        double[] u = new double[n];
        if (cfg.temperature() != 0) {
          for (int i = 0; i < n; i++) {
            u[i] = rows.get(i).rng.nextDouble();
          }
        }
        float[] picked = DeviceDraw.draw(perRow, cfg, u);
        for (int i = 0; i < n; i++) {
          done[i] = accept(rows.get(i), (int) picked[i], picked[n + i]);
        }
        return done;
      }
      float[] all = logits.toFloatArray();
      for (int i = 0; i < n; i++) {
        int line = which == null ? i : which[i];
        double[] c = choose(all, line * vocab, vocab, cfg, rows.get(i).rng, scratch);
        done[i] = accept(rows.get(i), (int) c[0], (float) c[1]);
      }
      return done;
    }

    /** Appends a drawn token to the row; true when the row is finished. */
    private boolean accept(Row r, int tok, float logProb) {
      r.add(tok, logProb);
      String decoded = null;
      if (stopIds.contains(tok)) {
        r.finish = FinishReason.STOP;
      } else if (!cfg.stopStrings().isEmpty()) {
        decoded = tokenizer.decode(r.tokens());
        int cut = earliestStop(decoded, cfg.stopStrings());
        if (cut >= 0) {
          r.finish = FinishReason.STOP;
          decoded = decoded.substring(0, cut);
        }
      }
      if (r.finish == null && r.count == cfg.maxNewTokens()) {
        r.finish = FinishReason.LENGTH;
      }
      if (r.finish != null) {
        r.text = decoded != null ? decoded : tokenizer.decode(r.tokens());
        finished.accept(r);
        return true;
      }
      return false;
    }
  }

  private static int[] indices(List<Row> rows) {
    int[] out = new int[rows.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = rows.get(i).index;
    }
    return out;
  }

  /**
   * Picks a token from row logits. Returns {token, logProb} where logProb is under the distribution
   * sampled from (see {@link Generation}).
   */
  static double[] choose(
      float[] all, int offset, int vocab, SamplingConfig cfg, SplittableRandom rng) {
    return choose(all, offset, vocab, cfg, rng, new double[vocab]);
  }

  /**
   * As {@link #choose(float[], int, int, SamplingConfig, SplittableRandom)} with a caller-owned
   * scratch buffer of at least {@code vocab} doubles: one buffer serves every row and step, so a
   * 152k-token vocabulary does not allocate 1.2 MB per row per step.
   */
  static double[] choose(
      float[] all, int offset, int vocab, SamplingConfig cfg, SplittableRandom rng, double[] p) {
    if (cfg.temperature() == 0) {
      int best = 0;
      double max = Double.NEGATIVE_INFINITY;
      for (int v = 0; v < vocab; v++) {
        if (all[offset + v] > max) {
          max = all[offset + v];
          best = v;
        }
      }
      return new double[] {best, all[offset + best] - logSumExp(all, offset, vocab, 1.0, max)};
    }
    double t = cfg.temperature();
    double max = Double.NEGATIVE_INFINITY;
    for (int v = 0; v < vocab; v++) {
      max = Math.max(max, all[offset + v] / t);
    }
    double sum = 0;
    for (int v = 0; v < vocab; v++) {
      p[v] = Math.exp(all[offset + v] / t - max);
      sum += p[v];
    }
    for (int v = 0; v < vocab; v++) {
      p[v] /= sum;
    }
    // The arg-max token had exp(0) = 1 before normalisation.
    double maxP = 1.0 / sum;
    if (cfg.topK() > 0 && cfg.topK() < vocab) {
      double kth = kthLargest(p, vocab, cfg.topK());
      for (int v = 0; v < vocab; v++) {
        if (p[v] < kth) {
          p[v] = 0;
        }
      }
    }
    if (cfg.topP() < 1) {
      nucleus(p, vocab, cfg.topP(), maxP);
    }
    double norm = 0;
    for (int v = 0; v < vocab; v++) {
      norm += p[v];
    }
    double u = rng.nextDouble() * norm;
    int chosen = -1;
    double acc = 0;
    for (int v = 0; v < vocab; v++) {
      if (p[v] > 0) {
        chosen = v;
        acc += p[v];
        if (u < acc) {
          break;
        }
      }
    }
    return new double[] {chosen, Math.log(p[chosen] / norm)};
  }

  /**
   * The k-th largest of {@code p[0..n)}, duplicates counted (what {@code sort(p)[n - k]} gives). A
   * bounded min-heap: O(n log k) instead of sorting the whole vocabulary per row and step.
   */
  static double kthLargest(double[] p, int n, int k) {
    double[] heap = new double[k];
    int size = 0;
    for (int v = 0; v < n; v++) {
      double x = p[v];
      if (size < k) {
        int i = size++;
        while (i > 0 && heap[(i - 1) >> 1] > x) {
          heap[i] = heap[(i - 1) >> 1];
          i = (i - 1) >> 1;
        }
        heap[i] = x;
      } else if (x > heap[0]) {
        int i = 0;
        while (true) {
          int c = 2 * i + 1;
          if (c >= k) {
            break;
          }
          if (c + 1 < k && heap[c + 1] < heap[c]) {
            c++;
          }
          if (heap[c] >= x) {
            break;
          }
          heap[i] = heap[c];
          i = c;
        }
        heap[i] = x;
      }
    }
    return heap[0];
  }

  /**
   * Top-p in place: walks tokens by descending probability (ties: higher id first, as the packed
   * sort keys order them) and zeroes every token after the cumulative mass first reaches {@code
   * topP * total}. Only tokens at or above a threshold are sorted: the walk ends inside any prefix
   * of the descending order whose mass reaches the target, so once the candidates' mass does, every
   * other token is zeroed unsorted. The threshold starts at maxP / 1024 and drops 1024x until the
   * candidates suffice (a flat distribution ends in a full sort). Candidates are chosen by float
   * value, the sort key, so equal keys are never split.
   */
  static void nucleus(double[] p, int vocab, double topP, double maxP) {
    double total = 0;
    for (int v = 0; v < vocab; v++) {
      total += p[v];
    }
    double target = topP * total;
    float threshold = (float) (maxP / 1024);
    int count;
    while (true) {
      double mass = 0;
      count = 0;
      for (int v = 0; v < vocab; v++) {
        if ((float) p[v] >= threshold) {
          mass += p[v];
          count++;
        }
      }
      if (mass >= target || threshold == 0f) {
        break;
      }
      threshold = threshold < 1e-30f ? 0f : threshold / 1024;
    }
    // Sort (probability, id) descending via packed longs: probabilities are >= 0, so their
    // float bits order like the values.
    long[] keys = new long[count];
    int n = 0;
    for (int v = 0; v < vocab; v++) {
      if ((float) p[v] >= threshold) {
        keys[n++] = ((long) Float.floatToIntBits((float) p[v]) << 32) | v;
      } else {
        p[v] = 0;
      }
    }
    java.util.Arrays.sort(keys);
    double cum = 0;
    int kept = 0;
    for (int r = count - 1; r >= 0; r--) {
      int v = (int) (keys[r] & 0xffffffffL);
      if (cum >= target && kept > 0) {
        p[v] = 0;
      } else {
        cum += p[v];
        kept++;
      }
    }
  }

  private static double logSumExp(float[] a, int offset, int n, double t, double max) {
    double s = 0;
    for (int v = 0; v < n; v++) {
      s += Math.exp(a[offset + v] / t - max);
    }
    return max + Math.log(s);
  }

  private static int earliestStop(String text, List<String> stops) {
    int best = -1;
    for (String s : stops) {
      int at = text.indexOf(s);
      if (at >= 0 && (best < 0 || at < best)) {
        best = at;
      }
    }
    return best;
  }
}
