package dev.grpo.policy.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A Llama-family causal language model (Llama, Qwen2) on raw DJL NDArrays.
 *
 * <p>Architecture, following Hugging Face {@code modeling_llama}: token embedding; per layer
 * RMSNorm, grouped-query self-attention with rotary position embeddings (rotate-half convention,
 * {@code rope_theta}) and optional q/k/v bias (Qwen2), residual, RMSNorm, SwiGLU MLP ({@code
 * down(silu(gate(x)) * up(x))}), residual; final RMSNorm; output head (optionally tied to the
 * embedding). Attention is the plain {@code softmax(QK^T / sqrt(d) + mask) V}: the engine has no
 * fused kernel for it.
 *
 * <p>The parameters are float32 NDArrays keyed by Hugging Face tensor names in a fixed order; they
 * are the trainable parameters themselves (training sets {@code requiresGradient} on them and
 * updates them in place). Every intermediate of {@link #forward} is freed before it returns; the
 * returned logits are attached to the manager of {@code inputIds}, so the caller's per-step manager
 * owns them.
 *
 * <p>Not thread-safe for concurrent forward calls that also train; concurrent inference-only
 * forward calls on the same parameters are fine in libtorch.
 */
public final class LlamaModel implements AutoCloseable {

  /** Additive attention bias of a masked position: finite so a fully masked row gives no NaN. */
  private static final float MASKED = -1e9f;

  private final ModelConfig config;
  private final NDManager manager;
  private final Map<String, NDArray> parameters;
  private final Layer[] layers;
  private final NDArray embed;
  private final NDArray finalNorm;
  private final NDArray lmHead;
  private final NDArray invFreq;

  /**
   * Rotary tables {@code cos} and {@code [-sin, sin]}, {@code [positions, headDim]}, for positions
   * {@code 0..positions-1}: looked up per forward (two gathers) instead of recomputed (eight ops),
   * with the same float32 arithmetic, so the values are the same bits.
   */
  private record RopeTables(NDArray cos, NDArray sinSigned, int positions) {}

  private volatile RopeTables ropeTables;

  private record Layer(
      NDArray inputNorm,
      NDArray q,
      NDArray qBias,
      NDArray k,
      NDArray kBias,
      NDArray v,
      NDArray vBias,
      NDArray o,
      NDArray postNorm,
      NDArray gate,
      NDArray up,
      NDArray down) {}

  private LlamaModel(ModelConfig config, NDManager manager, Map<String, NDArray> parameters) {
    this.config = config;
    this.manager = manager;
    this.parameters = Collections.unmodifiableMap(parameters);
    this.embed = parameters.get("model.embed_tokens.weight");
    this.finalNorm = parameters.get("model.norm.weight");
    this.lmHead = config.tieWordEmbeddings() ? embed : parameters.get("lm_head.weight");
    this.layers = new Layer[config.numHiddenLayers()];
    for (int i = 0; i < layers.length; i++) {
      String p = "model.layers." + i + ".";
      layers[i] =
          new Layer(
              parameters.get(p + "input_layernorm.weight"),
              parameters.get(p + "self_attn.q_proj.weight"),
              parameters.get(p + "self_attn.q_proj.bias"),
              parameters.get(p + "self_attn.k_proj.weight"),
              parameters.get(p + "self_attn.k_proj.bias"),
              parameters.get(p + "self_attn.v_proj.weight"),
              parameters.get(p + "self_attn.v_proj.bias"),
              parameters.get(p + "self_attn.o_proj.weight"),
              parameters.get(p + "post_attention_layernorm.weight"),
              parameters.get(p + "mlp.gate_proj.weight"),
              parameters.get(p + "mlp.up_proj.weight"),
              parameters.get(p + "mlp.down_proj.weight"));
    }
    int half = config.headDim() / 2;
    float[] inv = new float[half];
    for (int i = 0; i < half; i++) {
      // Same formula as Hugging Face: 1 / theta^(2i/d), computed in float32 there.
      inv[i] = (float) (1.0 / Math.pow(config.ropeTheta(), (2.0 * i) / config.headDim()));
    }
    this.invFreq = manager.create(inv);
  }

  /** The tensor names and shapes this configuration needs, in the canonical order. */
  public static Map<String, Shape> expectedShapes(ModelConfig cfg) {
    Map<String, Shape> m = new LinkedHashMap<>();
    long h = cfg.hiddenSize();
    long kv = (long) cfg.numKeyValueHeads() * cfg.headDim();
    m.put("model.embed_tokens.weight", new Shape(cfg.vocabSize(), h));
    for (int i = 0; i < cfg.numHiddenLayers(); i++) {
      String p = "model.layers." + i + ".";
      m.put(p + "input_layernorm.weight", new Shape(h));
      m.put(p + "self_attn.q_proj.weight", new Shape(h, h));
      if (cfg.attentionBias()) {
        m.put(p + "self_attn.q_proj.bias", new Shape(h));
      }
      m.put(p + "self_attn.k_proj.weight", new Shape(kv, h));
      if (cfg.attentionBias()) {
        m.put(p + "self_attn.k_proj.bias", new Shape(kv));
      }
      m.put(p + "self_attn.v_proj.weight", new Shape(kv, h));
      if (cfg.attentionBias()) {
        m.put(p + "self_attn.v_proj.bias", new Shape(kv));
      }
      m.put(p + "self_attn.o_proj.weight", new Shape(h, h));
      m.put(p + "post_attention_layernorm.weight", new Shape(h));
      m.put(p + "mlp.gate_proj.weight", new Shape(cfg.intermediateSize(), h));
      m.put(p + "mlp.up_proj.weight", new Shape(cfg.intermediateSize(), h));
      m.put(p + "mlp.down_proj.weight", new Shape(h, cfg.intermediateSize()));
    }
    m.put("model.norm.weight", new Shape(h));
    if (!cfg.tieWordEmbeddings()) {
      m.put("lm_head.weight", new Shape(cfg.vocabSize(), h));
    }
    return m;
  }

  /**
   * A randomly initialised model, initialised like Hugging Face: linear and embedding weights from
   * N(0, initializer_range²), biases zero, norm weights one. The numbers come from a Java {@link
   * SplittableRandom} seeded with {@code seed}, so the same seed gives the same weights on every
   * device and engine version.
   */
  public static LlamaModel randomInit(ModelConfig cfg, Device device, long seed) {
    NDManager manager = newManager(device);
    try {
      SplittableRandom rng = new SplittableRandom(seed);
      Map<String, NDArray> params = new LinkedHashMap<>();
      for (var e : expectedShapes(cfg).entrySet()) {
        String name = e.getKey();
        Shape shape = e.getValue();
        // Written straight into a direct buffer that the CPU tensor then uses as its storage: a
        // float[] would be copied into one anyway and leave a model-sized garbage array on the
        // heap, resident until a GC that a training loop may never trigger (128 MiB at 32M).
        int n = Math.toIntExact(shape.size());
        java.nio.ByteBuffer bytes = manager.allocateDirect(n * Float.BYTES);
        java.nio.FloatBuffer data = bytes.asFloatBuffer();
        for (int i = 0; i < n; i++) {
          data.put(
              name.endsWith("norm.weight")
                  ? 1f
                  : name.endsWith(".bias")
                      ? 0f
                      : (float) (rng.nextGaussian() * cfg.initializerRange()));
        }
        params.put(name, manager.create(bytes, shape, DataType.FLOAT32));
      }
      return new LlamaModel(cfg, manager, params);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /**
   * A model from named weights (e.g. read from safetensors), on the device of the weights. The
   * weights are copied (as float32) into the model's own manager; the caller keeps ownership of the
   * given arrays.
   *
   * @throws IllegalArgumentException when a tensor is missing, unexpected, or has another shape
   *     than the configuration implies
   */
  public static LlamaModel fromWeights(ModelConfig cfg, Map<String, NDArray> weights) {
    Device device =
        weights.isEmpty() ? Device.cpu() : weights.values().iterator().next().getDevice();
    return fromWeights(cfg, weights, device);
  }

  /** As {@link #fromWeights(ModelConfig, Map)}, placing the parameters on {@code device}. */
  public static LlamaModel fromWeights(
      ModelConfig cfg, Map<String, NDArray> weights, Device device) {
    Map<String, Shape> expected = expectedShapes(cfg);
    List<String> problems = new ArrayList<>();
    for (var e : expected.entrySet()) {
      NDArray w = weights.get(e.getKey());
      if (w == null) {
        problems.add("missing tensor " + e.getKey() + " (expected shape " + e.getValue() + ")");
      } else if (!w.getShape().equals(e.getValue())) {
        problems.add(
            "tensor "
                + e.getKey()
                + " has shape "
                + w.getShape()
                + ", config implies "
                + e.getValue());
      }
    }
    for (String name : weights.keySet()) {
      // A tied checkpoint written by other tools may still carry lm_head; it must equal the
      // embedding.
      if (!expected.containsKey(name)
          && !(cfg.tieWordEmbeddings() && name.equals("lm_head.weight"))
          && !name.endsWith("rotary_emb.inv_freq")) {
        problems.add(
            "unexpected tensor "
                + name
                + " for "
                + cfg.architecture()
                + (name.endsWith(".bias") ? " with attention_bias=" + cfg.attentionBias() : ""));
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "weights do not match the config: "
              + String.join("; ", problems.size() > 5 ? problems.subList(0, 5) : problems)
              + (problems.size() > 5 ? "; and " + (problems.size() - 5) + " more" : ""));
    }
    NDManager manager = newManager(device);
    try {
      Map<String, NDArray> params = new LinkedHashMap<>();
      for (String name : expected.keySet()) {
        params.put(name, copyInto(weights.get(name), manager, device));
      }
      return new LlamaModel(cfg, manager, params);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  private static NDArray copyInto(NDArray src, NDManager manager, Device device) {
    try (NDManager tmp = manager.newSubManager()) {
      NDArray detached = src.stopGradient();
      detached.attach(tmp);
      NDArray onDevice = detached.toDevice(device, true);
      onDevice.attach(tmp);
      NDArray f32 =
          onDevice.getDataType() == DataType.FLOAT32
              ? onDevice
              : onDevice.toType(DataType.FLOAT32, true);
      // duplicate() forces a fresh buffer even when toDevice/toType were no-ops.
      NDArray copy = f32.duplicate();
      copy.attach(manager);
      return copy;
    }
  }

  private static NDManager newManager(Device device) {
    return Engine.getEngine("PyTorch").newBaseManager(device);
  }

  /** The configuration this model was built from. */
  public ModelConfig config() {
    return config;
  }

  /** The manager that owns the parameters. */
  public NDManager manager() {
    return manager;
  }

  /** The device the parameters live on. */
  public Device device() {
    return manager.getDevice();
  }

  /** Parameters keyed by Hugging Face tensor name, in canonical order (unmodifiable view). */
  public Map<String, NDArray> parameters() {
    return parameters;
  }

  /** Number of scalar parameters (a tied head counts once). */
  public long parameterCount() {
    long n = 0;
    for (NDArray p : parameters.values()) {
      n += p.getShape().size();
    }
    return n;
  }

  /** A detached deep copy with gradients off, e.g. the frozen reference model of the KL term. */
  public LlamaModel copyFrozen() {
    NDManager m = newManager(device());
    try {
      Map<String, NDArray> params = new LinkedHashMap<>();
      for (var e : parameters.entrySet()) {
        params.put(e.getKey(), copyInto(e.getValue(), m, device()));
      }
      return new LlamaModel(config, m, params);
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
  }

  /**
   * A new, empty KV cache for incremental decoding with {@link #forward(NDArray, NDArray, KvCache,
   * boolean)}.
   */
  public KvCache newCache() {
    return new KvCache(manager, config.numHiddenLayers());
  }

  /**
   * Full causal forward pass.
   *
   * @param inputIds {@code [B, T]} int32 or int64 token ids
   * @param attentionMask {@code [B, T]} 1 for tokens, 0 for padding, or null for no padding.
   *     Positions are {@code cumsum(mask) - 1}, so left padding gives the same logits as no
   *     padding; padded key positions are never attended to.
   * @return logits {@code [B, T, V]} float32, attached to {@code inputIds}' manager
   */
  public NDArray forward(NDArray inputIds, NDArray attentionMask) {
    return forward(inputIds, attentionMask, null, false);
  }

  /**
   * Causal forward pass that reads and extends a KV cache.
   *
   * @param inputIds {@code [B, T]} the new tokens
   * @param attentionMask {@code [B, cache.length() + T]}: the mask of the cached tokens followed by
   *     the mask of the new ones (null: no padding anywhere)
   * @param cache the cache to read and extend by T tokens, or null for a stateless pass
   * @param lastOnly when true, return only the logits of the last position, {@code [B, V]} (saves
   *     the output projection over the prompt during prefill)
   * @return logits {@code [B, T, V]} or {@code [B, V]}, float32, attached to {@code inputIds}'
   *     manager
   */
  public NDArray forward(NDArray inputIds, NDArray attentionMask, KvCache cache, boolean lastOnly) {
    Shape s = inputIds.getShape();
    if (s.dimension() != 2) {
      throw new IllegalArgumentException("inputIds must be [batch, tokens], was shape " + s);
    }
    int b = (int) s.get(0);
    int t = (int) s.get(1);
    int past = cache == null ? 0 : cache.length();
    int total = past + t;
    if (total > config.maxPositionEmbeddings()) {
      throw new IllegalArgumentException(
          "sequence length "
              + total
              + " exceeds max_position_embeddings "
              + config.maxPositionEmbeddings());
    }
    if (attentionMask != null && !attentionMask.getShape().equals(new Shape(b, total))) {
      throw new IllegalArgumentException(
          "attentionMask must have shape "
              + new Shape(b, total)
              + ", was "
              + attentionMask.getShape());
    }
    NDManager out = inputIds.getManager();
    NDArray logits;
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      Device dev = device();
      NDArray ids = inputIds.toDevice(dev, false).toType(DataType.INT64, false);
      NDArray mask =
          attentionMask == null
              ? manager.ones(new Shape(b, total), DataType.INT64)
              : attentionMask.toDevice(dev, false).toType(DataType.INT64, false);

      // Positions count real tokens only, so a left-padded row sees the same positions as unpadded.
      NDArray positions =
          mask.cumSum(1)
              .sub(1)
              .maximum(0)
              .get(new NDIndex().addAllDim().addSliceDim(past, total)); // [B,T] int64
      RopeTables rope = ropeTables(total);
      NDArray cos = JniUtils.embedding((PtNDArray) positions, (PtNDArray) rope.cos(), false);
      cos = cos.expandDims(1); // [B,1,T,D]
      // rotate_half(x) * sin == [x2, x1] * [-sin, sin]: the sign is folded into the table.
      NDArray sin = JniUtils.embedding((PtNDArray) positions, (PtNDArray) rope.sinSigned(), false);
      sin = sin.expandDims(1);

      // Additive bias [B,1,1,T,S]: key j visible to query i iff j <= past+i and key j is not
      // padding. One new token sees every cached key, so a decode step needs the padding only.
      NDArray visible;
      if (t == 1) {
        visible = mask.reshape(b, 1, 1, 1, total); // 0/1 as the mask says
      } else {
        NDArray keyIdx = manager.arange(total).reshape(1, total);
        NDArray queryIdx = manager.arange(past, total).reshape(t, 1);
        NDArray causal = keyIdx.lte(queryIdx).reshape(1, 1, 1, t, total);
        visible = causal.logicalAnd(mask.eq(1).reshape(b, 1, 1, 1, total));
      }
      NDArray bias = visible.toType(DataType.FLOAT32, false).sub(1f).mul(-MASKED);

      NDArray x = JniUtils.embedding((PtNDArray) ids, (PtNDArray) embed, false);
      for (int i = 0; i < layers.length; i++) {
        Layer l = layers[i];
        NDArray h = rmsNorm(x, l.inputNorm);
        x = x.add(attention(h, l, i, cos, sin, bias, cache, b, t));
        h = rmsNorm(x, l.postNorm);
        NDArray gate = Linear.linear(h, l.gate).head();
        NDArray up = Linear.linear(h, l.up).head();
        x =
            x.add(
                Linear.linear(gate.mul(ai.djl.nn.Activation.sigmoid(gate)).mul(up), l.down).head());
      }
      if (cache != null) {
        cache.advance(t);
      }
      if (lastOnly) {
        x = x.get(":, -1, :");
      }
      x = rmsNorm(x, finalNorm);
      logits = Linear.linear(x, lmHead).head();
      NDScope.unregister(logits);
    }
    logits.attach(out);
    return logits;
  }

  /** Rotary tables covering at least {@code positions} positions (grown by doubling). */
  private RopeTables ropeTables(int positions) {
    RopeTables r = ropeTables;
    if (r != null && r.positions() >= positions) {
      return r;
    }
    int n =
        Math.min(
            config.maxPositionEmbeddings(),
            Math.max(positions, r == null ? 256 : 2 * r.positions()));
    NDArray freqs =
        manager.arange(0, n, 1, DataType.FLOAT32).expandDims(-1).mul(invFreq); // [P, D/2]
    NDArray cos = freqs.concat(freqs, -1).cos();
    NDArray sinHalf = freqs.sin();
    NDArray sinSigned = sinHalf.neg().concat(sinHalf, -1);
    // Kept for the model's life (a forward on another thread may still read an older table).
    NDScope.unregister(cos, sinSigned);
    freqs.close();
    sinHalf.close();
    r = new RopeTables(cos, sinSigned, n);
    ropeTables = r;
    return r;
  }

  private NDArray attention(
      NDArray h,
      Layer l,
      int layer,
      NDArray cos,
      NDArray sin,
      NDArray bias,
      KvCache cache,
      int b,
      int t) {
    int heads = config.numAttentionHeads();
    int kvHeads = config.numKeyValueHeads();
    int d = config.headDim();
    NDArray q = project(h, l.q, l.qBias).reshape(b, t, heads, d).transpose(0, 2, 1, 3);
    NDArray k = project(h, l.k, l.kBias).reshape(b, t, kvHeads, d).transpose(0, 2, 1, 3);
    NDArray v = project(h, l.v, l.vBias).reshape(b, t, kvHeads, d).transpose(0, 2, 1, 3);
    q = rope(q, cos, sin);
    k = rope(k, cos, sin);
    if (cache != null) {
      if (cache.keys(layer) != null) {
        k = cache.keys(layer).concat(k, 2);
        v = cache.values(layer).concat(v, 2);
      }
      NDScope.unregister(k, v);
      cache.put(layer, k, v);
    }
    long s = k.getShape().get(2);
    int groups = config.queriesPerKeyValueHead();
    // Grouped-query attention without repeating K/V: the G query heads of a KV head are stacked
    // along the query axis, [B,KVH,G*T,D] against keys [B,KVH,S,D], a plain batched matmul (a
    // group axis broadcast against [B,KVH,1,S,D] made matmul copy K and V G times per step).
    NDArray scores =
        Scalars.mul(
                q.reshape(b, kvHeads, (long) groups * t, d).matMul(k.transpose(0, 1, 3, 2)),
                (float) (1.0 / Math.sqrt(d)))
            .reshape(b, kvHeads, groups, t, s)
            .add(bias);
    NDArray probs = scores.softmax(-1).reshape(b, kvHeads, (long) groups * t, s);
    NDArray ctx =
        probs
            .matMul(v) // [B,KVH,G*T,D]
            .reshape(b, heads, t, d)
            .transpose(0, 2, 1, 3)
            .reshape(b, t, (long) heads * d);
    return Linear.linear(ctx, l.o).head();
  }

  private static NDArray project(NDArray x, NDArray w, NDArray bias) {
    return (bias == null ? Linear.linear(x, w) : Linear.linear(x, w, bias)).head();
  }

  /**
   * Hugging Face rotate-half rotary embedding: x*cos + rotate_half(x)*sin, with rotate_half(x) =
   * [-x2, x1]; here {@code sin} already carries the sign ([-sin, sin]).
   */
  private NDArray rope(NDArray x, NDArray cos, NDArray sin) {
    // One split instead of two string-indexed slices; the sign of rotate_half lives in sin
    // (sinSigned = [-sin, sin] per half, built once per forward), saving a neg per call.
    ai.djl.ndarray.NDList halves =
        x.split(2, x.getShape().dimension() - 1); // split wants a non-negative axis
    NDArray rotated = halves.get(1).concat(halves.get(0), -1);
    return x.mul(cos).add(rotated.mul(sin));
  }

  private NDArray rmsNorm(NDArray x, NDArray weight) {
    NDArray variance = x.square().mean(new int[] {-1}, true);
    return x.div(Scalars.add(variance, (float) config.rmsNormEps()).sqrt()).mul(weight);
  }

  @Override
  public void close() {
    manager.close();
  }
}
