package dev.grpo.policy.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grpo.policy.checkpoint.SafeTensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW (Loshchilov and Hutter) over named parameters, with global gradient-norm clipping and a
 * warmup + constant/cosine learning-rate schedule; DJL's own AdamW has no global clipping.
 *
 * <p>One {@link #step()} follows {@code torch.optim.AdamW} (non-amsgrad) after {@code
 * torch.nn.utils.clip_grad_norm_}: {@code norm = sqrt(sum over all parameters of |g|^2)}, {@code g
 * *= min(1, maxGradNorm / (norm + 1e-6))}; {@code m = b1 m + (1 - b1) g}; {@code v = b2 v + (1 -
 * b2) g^2}; {@code p *= 1 - lr wd} (matrices only); {@code p -= lr / (1 - b1^t) * m / (sqrt(v) /
 * sqrt(1 - b2^t) + eps)}. Parameters without a gradient are left alone, as in PyTorch. A step whose
 * gradient norm is not finite is skipped (nothing changes, the step counter does not advance) and
 * reported as such, so one bad batch does not poison the weights.
 *
 * <p>The moments live in the optimizer's own manager on the parameters' device; updates are
 * in-place with grad mode off, one native call per parameter (libtorch's Adam kernel sequence
 * through DJL), whose temporaries are freed inside the call.
 */
public final class AdamW implements AutoCloseable {

  /** File name of the moments (safetensors, float32) inside a checkpoint directory. */
  public static final String STATE_TENSORS_FILE = "optimizer.safetensors";

  /** File name of the step counter and configuration inside a checkpoint directory. */
  public static final String STATE_JSON_FILE = "optimizer.json";

  static final String FORMAT = "grpo-adamw-v1";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What one update did. */
  public record Update(
      double gradNorm, double learningRate, double clipCoefficient, boolean skipped) {}

  private final Map<String, NDArray> params;
  private final AdamWConfig config;
  private final NDManager manager;
  private final Map<String, NDArray> expAvg = new LinkedHashMap<>();
  private final Map<String, NDArray> expAvgSq = new LinkedHashMap<>();
  private long step;

  /**
   * @param params the trainable parameters (updated in place); their gradients are read by {@link
   *     #step()}
   * @param config hyper-parameters and schedule
   */
  public AdamW(Map<String, NDArray> params, AdamWConfig config) {
    if (params == null || params.isEmpty()) {
      throw new IllegalArgumentException("params must hold at least one parameter, was empty");
    }
    this.params = params;
    this.config = config;
    NDArray first = params.values().iterator().next();
    this.manager = first.getManager().getEngine().newBaseManager(first.getDevice());
    for (var e : params.entrySet()) {
      NDArray p = e.getValue();
      if (p.getDataType() != DataType.FLOAT32) {
        throw new IllegalArgumentException(
            "parameter " + e.getKey() + " must be float32, was " + p.getDataType());
      }
      expAvg.put(e.getKey(), manager.zeros(p.getShape(), DataType.FLOAT32));
      expAvgSq.put(e.getKey(), manager.zeros(p.getShape(), DataType.FLOAT32));
    }
  }

  /** The configuration. */
  public AdamWConfig config() {
    return config;
  }

  /** Updates applied so far (the next update uses bias correction for {@code stepCount() + 1}). */
  public long stepCount() {
    return step;
  }

  /** The learning rate the next {@link #step()} will use. */
  public double currentLearningRate() {
    return config.learningRateAt(step);
  }

  /** Clears the gradients of all parameters (before accumulating a new batch). */
  public void zeroGradients() {
    for (NDArray p : params.values()) {
      if (p instanceof PtNDArray pt && p.hasGradient()) {
        JniUtils.zeroGrad(pt);
      }
    }
  }

  /** Reads the accumulated gradients, clips them globally and applies one AdamW update. */
  public Update step() {
    double lr = config.learningRateAt(step);
    try (GradMode off = GradMode.disabled();
        NDScope scope = new NDScope()) {
      List<String> names = new ArrayList<>();
      List<NDArray> grads = new ArrayList<>();
      List<NDArray> norms = new ArrayList<>();
      for (var e : params.entrySet()) {
        NDArray g = gradientOf(e.getValue());
        if (g != null) {
          names.add(e.getKey());
          grads.add(g);
          // One reading pass per parameter (no squared temporary); the norms are summed in float64.
          norms.add(g.norm());
        }
      }
      if (grads.isEmpty()) {
        return new Update(0, lr, 1, true);
      }
      double norm =
          Math.sqrt(
              NDArrays.stack(new NDList(norms))
                  .toType(DataType.FLOAT64, false)
                  .square()
                  .sum()
                  .getDouble());
      if (!Double.isFinite(norm)) {
        return new Update(norm, lr, 0, true);
      }
      double coef =
          config.maxGradNorm() > 0 ? Math.min(1.0, config.maxGradNorm() / (norm + 1e-6)) : 1.0;
      long t = step + 1;
      double bc1 = 1 - Math.pow(config.beta1(), t);
      double bc2Sqrt = Math.sqrt(1 - Math.pow(config.beta2(), t));
      // The bias corrections folded into two scalars: lr / bc1 * m / (sqrt(v) / bc2Sqrt + eps) ==
      // (lr * bc2Sqrt / bc1) * m / (sqrt(v) + eps * bc2Sqrt).
      float stepSize = (float) (lr * bc2Sqrt / bc1);
      float epsilon = (float) (config.epsilon() * bc2Sqrt);
      for (int i = 0; i < grads.size(); i++) {
        String name = names.get(i);
        NDArray p = params.get(name);
        float decay =
            config.weightDecay() > 0 && p.getShape().dimension() >= 2
                ? (float) config.weightDecay()
                : 0f;
        // libtorch's own Adam update (DJL's PyTorch engine), one native call per parameter:
        // g' = coef g; p -= lr wd p; m = b1 m + (1 - b1) g'; v = b2 v + (1 - b2) g'^2 (addcmul);
        // p -= stepSize m / (sqrt(v) + epsilon). Its temporaries die inside the call, so the
        // update costs one parameter's worth of scratch memory instead of several copies of the
        // whole model held until the step ends; clip_grad -1 turns its element-wise clamp off.
        JniUtils.adamUpdate(
            (PtNDArray) p,
            (PtNDArray) grads.get(i),
            (PtNDArray) expAvg.get(name),
            (PtNDArray) expAvgSq.get(name),
            (float) lr,
            stepSize,
            decay,
            (float) coef,
            -1f,
            (float) config.beta1(),
            (float) config.beta2(),
            epsilon,
            true);
      }
      step++;
      return new Update(norm, lr, coef, false);
    }
  }

  /** The gradient of {@code p}, or null when it has none (not part of the graph). */
  private static NDArray gradientOf(NDArray p) {
    if (!p.hasGradient()) {
      return null;
    }
    try {
      NDArray g = p.getGradient();
      return g == null || g.isEmpty() ? null : g;
    } catch (RuntimeException undefined) {
      return null; // PyTorch keeps .grad undefined until a backward pass reaches the tensor
    }
  }

  /**
   * Writes the moments ({@value #STATE_TENSORS_FILE}: tensors {@code exp_avg.<name>} and {@code
   * exp_avg_sq.<name>}, float32) and the step counter with the configuration ({@value
   * #STATE_JSON_FILE}) into {@code dir}, which must exist.
   */
  public void saveState(Path dir) {
    writeTensors(dir.resolve(STATE_TENSORS_FILE));
    writeJson(dir.resolve(STATE_JSON_FILE));
  }

  /** Writes the moments as safetensors to {@code file} (the {@value #STATE_TENSORS_FILE} part). */
  public void writeTensors(Path file) {
    Map<String, NDArray> tensors = new LinkedHashMap<>();
    for (String name : params.keySet()) {
      tensors.put("exp_avg." + name, expAvg.get(name));
      tensors.put("exp_avg_sq." + name, expAvgSq.get(name));
    }
    SafeTensors.write(
        file, tensors, Map.of("optimizer_format", FORMAT, "step", Long.toString(step)));
  }

  /**
   * Writes step counter and configuration as JSON to {@code file} (the {@value #STATE_JSON_FILE}
   * part).
   */
  public void writeJson(Path file) {
    try {
      ObjectNode json = JSON.createObjectNode();
      json.put("format", FORMAT);
      json.put("step", step);
      json.set("config", JSON.valueToTree(config));
      json.putPOJO("parameters", new ArrayList<>(params.keySet()));
      Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write optimizer state to " + file, e);
    }
  }

  /**
   * Restores moments and step counter written by {@link #saveState(Path)}. The parameter names and
   * shapes must match this optimizer's; the configuration in the file is informational (the one
   * given to the constructor applies, so a resumed run may change e.g. the learning rate).
   */
  public void loadState(Path dir) {
    Path json = dir.resolve(STATE_JSON_FILE);
    Path tensors = dir.resolve(STATE_TENSORS_FILE);
    long savedStep;
    try {
      var node = JSON.readTree(json.toFile());
      if (!FORMAT.equals(node.path("format").asText())) {
        throw new IllegalArgumentException(
            json + ": format must be " + FORMAT + ", was " + node.path("format").asText(null));
      }
      savedStep = node.path("step").asLong(-1);
      if (savedStep < 0) {
        throw new IllegalArgumentException(json + ": step must be >= 0, was " + node.get("step"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read optimizer state from " + json, e);
    }
    try (SafeTensors.Contents read = SafeTensors.read(tensors);
        GradMode off = GradMode.disabled()) {
      for (String name : params.keySet()) {
        copyInto(read.tensors(), tensors, "exp_avg." + name, expAvg.get(name));
        copyInto(read.tensors(), tensors, "exp_avg_sq." + name, expAvgSq.get(name));
      }
    }
    step = savedStep;
  }

  private static void copyInto(Map<String, NDArray> read, Path file, String key, NDArray target) {
    NDArray t = read.get(key);
    if (t == null) {
      throw new IllegalArgumentException(file + ": tensor " + key + " is missing");
    }
    if (!t.getShape().equals(target.getShape())) {
      throw new IllegalArgumentException(
          file
              + ": tensor "
              + key
              + " must have shape "
              + target.getShape()
              + ", was "
              + t.getShape());
    }
    target.set(t.toDevice(target.getDevice(), false).toByteBuffer());
  }

  @Override
  public void close() {
    manager.close();
  }
}
