package dev.grpo.policy.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.grpo.policy.model.LlamaModel;
import dev.grpo.policy.model.Scalars;
import java.util.List;

/**
 * Per-token log-probs of completion tokens given their prompts, batched.
 *
 * <p>Layout of a batch of B (prompt, completion) pairs: prompts are LEFT-padded to the longest
 * prompt P and completions RIGHT-padded to the longest completion L, so every row reads {@code
 * [pad.. prompt | completion ..pad]} and completion token j of every row sits at column {@code P +
 * j}; its log-prob comes from the logits at column {@code P + j - 1}. The attention mask marks real
 * tokens; the model derives positions from it ({@code cumsum(mask) - 1}), so left padding changes
 * nothing, and right padding is never attended to by real tokens (causal).
 *
 * <p>Log-probs are {@code log_softmax(logits / T)} at the completion token, with T the sampling
 * temperature, so that importance ratios compare like with like (as TRL does). At padded completion
 * positions the returned log-probs are exactly 0 (and carry no gradient).
 */
public final class TokenLogProbs {

  private TokenLogProbs() {}

  /**
   * A packed batch.
   *
   * @param inputIds [B, P + L] int64 token ids
   * @param attentionMask [B, P + L] int64, 1 = token, 0 = padding
   * @param completionIds [B, L] int64 completion token ids (pad positions hold {@code padId})
   * @param completionMask [B, L] float32, 1 = completion token, 0 = padding
   * @param promptWidth P, the padded prompt length
   * @param completionWidth L, the padded completion length
   */
  public record Batch(
      NDArray inputIds,
      NDArray attentionMask,
      NDArray completionIds,
      NDArray completionMask,
      int promptWidth,
      int completionWidth) {}

  /**
   * Log-probs of a batch.
   *
   * @param logp [B, L] float32 log-probs of the completion tokens (0 at padding); carries the
   *     gradient when computed with grad mode on
   * @param mask [B, L] float32 completion mask
   * @param entropy [B, L] float32 entropy of the tempered next-token distribution (no gradient), or
   *     null when not requested
   */
  public record Result(NDArray logp, NDArray mask, NDArray entropy) {}

  /**
   * Packs prompts and completions into one batch on {@code manager}.
   *
   * @param prompts token ids of each prompt, each at least 1 token
   * @param completions token ids of each completion (may be empty), same count as prompts
   * @param padId token id written at padded positions (any valid id: padding is masked)
   */
  public static Batch pack(
      NDManager manager, List<int[]> prompts, List<int[]> completions, int padId) {
    if (prompts.size() != completions.size()) {
      throw new IllegalArgumentException(
          "prompts and completions must have the same count, were "
              + prompts.size()
              + " and "
              + completions.size());
    }
    if (prompts.isEmpty()) {
      throw new IllegalArgumentException("the batch must hold at least 1 sequence, was empty");
    }
    int b = prompts.size();
    int p = 0;
    int l = 0;
    for (int i = 0; i < b; i++) {
      if (prompts.get(i) == null || prompts.get(i).length == 0) {
        throw new IllegalArgumentException(
            "prompt " + i + " must hold at least 1 token, was empty");
      }
      p = Math.max(p, prompts.get(i).length);
      l = Math.max(l, completions.get(i).length);
    }
    int w = p + l;
    long[] ids = new long[b * w];
    long[] mask = new long[b * w];
    long[] compIds = new long[b * l];
    float[] compMask = new float[b * l];
    java.util.Arrays.fill(ids, padId);
    java.util.Arrays.fill(compIds, padId);
    for (int i = 0; i < b; i++) {
      int[] pr = prompts.get(i);
      int[] co = completions.get(i);
      int start = p - pr.length;
      for (int j = 0; j < pr.length; j++) {
        ids[i * w + start + j] = pr[j];
        mask[i * w + start + j] = 1;
      }
      for (int j = 0; j < co.length; j++) {
        ids[i * w + p + j] = co[j];
        mask[i * w + p + j] = 1;
        compIds[i * l + j] = co[j];
        compMask[i * l + j] = 1;
      }
    }
    return new Batch(
        manager.create(ids, new Shape(b, w)),
        manager.create(mask, new Shape(b, w)),
        manager.create(compIds, new Shape(b, l)),
        manager.create(compMask, new Shape(b, l)),
        p,
        l);
  }

  /**
   * Log-probs (and optionally entropies) of the batch's completion tokens under {@code model}. The
   * results are attached to the manager of {@code batch.inputIds()}; intermediates are freed. Runs
   * with the caller's grad mode: inside a gradient collector the log-probs carry the gradient.
   *
   * @param temperature sampling temperature T > 0; logits are divided by it
   * @param withEntropy also compute the per-token entropy of the tempered distribution
   */
  public static Result compute(
      LlamaModel model, Batch batch, double temperature, boolean withEntropy) {
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature must be finite and > 0, was " + temperature);
    }
    NDManager out = batch.inputIds().getManager();
    int b = (int) batch.inputIds().getShape().get(0);
    if (batch.completionWidth() == 0) {
      return new Result(
          out.zeros(new Shape(b, 0)),
          batch.completionMask(),
          withEntropy ? out.zeros(new Shape(b, 0)) : null);
    }
    NDArray logp;
    NDArray entropy = null;
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      NDArray logits = model.forward(batch.inputIds(), batch.attentionMask());
      int from = batch.promptWidth() - 1;
      NDArray sliced = logits.get(":, " + from + ":" + (from + batch.completionWidth()) + ", :");
      if (temperature != 1.0) {
        sliced = Scalars.div(sliced, (float) temperature);
      }
      NDArray logSoftmax = sliced.logSoftmax(-1);
      NDArray ids =
          batch
              .completionIds()
              .toDevice(logSoftmax.getDevice(), false)
              .toType(DataType.INT64, false)
              .expandDims(2);
      NDArray mask = batch.completionMask().toDevice(logSoftmax.getDevice(), false);
      // Multiplying by the mask makes padded entries exactly 0 with zero gradient.
      logp = logSoftmax.gather(ids, 2).squeeze(2).mul(mask);
      NDScope.unregister(logp);
      if (withEntropy) {
        NDArray ls = logSoftmax.stopGradient();
        entropy = ls.exp().mul(ls).sum(new int[] {2}).neg().mul(mask);
        NDScope.unregister(entropy);
      }
    }
    logp.attach(out);
    if (entropy != null) {
      entropy.attach(out);
    }
    return new Result(logp, batch.completionMask(), entropy);
  }

  /**
   * Convenience for inference: log-probs of each completion as Java arrays (one per completion, of
   * its length), computed without recording a graph, in micro-batches of {@code batchSize}.
   */
  public static float[][] compute(
      LlamaModel model,
      List<int[]> prompts,
      List<int[]> completions,
      double temperature,
      int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, was " + batchSize);
    }
    float[][] result = new float[prompts.size()][];
    try (GradMode off = GradMode.disabled()) {
      for (int from = 0; from < prompts.size(); from += batchSize) {
        int to = Math.min(prompts.size(), from + batchSize);
        try (NDManager m = model.manager().newSubManager()) {
          Batch batch = pack(m, prompts.subList(from, to), completions.subList(from, to), 0);
          float[] flat = compute(model, batch, temperature, false).logp().toFloatArray();
          int l = batch.completionWidth();
          for (int i = from; i < to; i++) {
            int len = completions.get(i).length;
            result[i] = java.util.Arrays.copyOfRange(flat, (i - from) * l, (i - from) * l + len);
          }
        }
      }
    }
    return result;
  }
}
