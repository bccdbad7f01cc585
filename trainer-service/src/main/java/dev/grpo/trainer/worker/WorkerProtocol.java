package dev.grpo.trainer.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grpo.policy.train.AdamWConfig;
import dev.grpo.policy.train.AdvantageScaling;
import dev.grpo.policy.train.GrpoTrainerConfig;
import dev.grpo.policy.train.ImportanceLevel;
import dev.grpo.policy.train.LossConfig;
import dev.grpo.policy.train.LossObjective;
import dev.grpo.policy.train.OffPolicyCorrection;
import dev.grpo.policy.train.RewardAggregation;
import dev.grpo.policy.train.StepMetrics;
import dev.grpo.policy.train.TrainingGroup;
import dev.grpo.policy.train.TrainingSample;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Protocol {@value #VERSION} between the trainer and rank 0 of a worker group (documented in {@code
 * trainer-worker/README.md}): {@code POST /grpo-worker/1/{load,step,save,shutdown}} and {@code GET
 * /health}, every request with header {@value #HEADER}. A step body is one frame: u32 LE header
 * length, the JSON header, then little-endian arrays that the header's {@code arrays} object names
 * as {@code [dtype, count, byteOffset]}.
 */
public final class WorkerProtocol {

  /** The protocol this trainer speaks; a worker that speaks another is refused. */
  public static final String VERSION = "grpo-worker/1";

  /** Request and response header that carries {@link #VERSION}. */
  public static final String HEADER = "X-Grpo-Protocol";

  private static final ObjectMapper JSON = new ObjectMapper();

  private WorkerProtocol() {}

  /** The trainer configuration as the worker's {@code load} reads it. */
  public static ObjectNode trainerConfig(GrpoTrainerConfig c) {
    ObjectNode n = JSON.createObjectNode();
    LossConfig l = c.loss();
    ObjectNode loss = n.putObject("loss");
    loss.put("variant", l.variant().name().toLowerCase(Locale.ROOT));
    loss.put("epsLow", l.epsLow());
    loss.put("epsHigh", l.epsHigh());
    loss.put("beta", l.beta());
    unsupportedLossOption(l)
        .ifPresent(
            field -> {
              throw new IllegalArgumentException(
                  "the torch backend does not implement "
                      + field
                      + " yet (grpo-worker/1 has the clip objective on token ratios, token_truncate"
                      + " correction and the variant's advantage scaling); train this run on the"
                      + " embedded backend");
            });
    loss.put("tisCap", l.correction().on() ? l.correction().cap() : 0.0);
    n.put("mu", c.mu());
    n.put("microBatchSize", c.microBatchSize());
    n.put("temperature", c.temperature());
    n.put("maxCompletionLength", c.maxCompletionLength());
    AdamWConfig o = c.optimizer();
    ObjectNode opt = n.putObject("optimizer");
    opt.put("learningRate", o.learningRate());
    opt.put("beta1", o.beta1());
    opt.put("beta2", o.beta2());
    opt.put("epsilon", o.epsilon());
    opt.put("weightDecay", o.weightDecay());
    opt.put("maxGradNorm", o.maxGradNorm());
    opt.put("warmupSteps", o.warmupSteps());
    opt.put("schedule", o.schedule().name());
    opt.put("totalSteps", o.totalSteps());
    opt.put("minLrRatio", o.minLrRatio());
    return n;
  }

  /**
   * The first loss setting, by its run-config path, that protocol {@value #VERSION} cannot carry:
   * the worker's loss is the one before the options of docs/algorithms.md (GSPO, CISPO, SAPO,
   * delta, probability-gap mask, mask_truncated, other scaling or aggregation, masking
   * corrections).
   */
  static Optional<String> unsupportedLossOption(LossConfig l) {
    if (l.objective() != LossObjective.CLIP) {
      return Optional.of("loss.objective " + name(l.objective()));
    }
    if (l.level() != ImportanceLevel.TOKEN) {
      return Optional.of("loss.importanceLevel " + name(l.level()));
    }
    if (l.delta() != 0) {
      return Optional.of("loss.delta");
    }
    if (l.probGapEps() != 0) {
      return Optional.of("loss.probGapEps");
    }
    if (l.maskTruncated()) {
      return Optional.of("loss.maskTruncated");
    }
    if (l.scale() != AdvantageScaling.defaultFor(l.variant())) {
      return Optional.of("loss.scale " + name(l.scale()));
    }
    if (l.rewardAggregation() != RewardAggregation.SUM_THEN_NORMALIZE) {
      return Optional.of("loss.rewardAggregation " + name(l.rewardAggregation()));
    }
    OffPolicyCorrection.Mode mode = l.correction().mode();
    if (mode != OffPolicyCorrection.Mode.NONE && mode != OffPolicyCorrection.Mode.TOKEN_TRUNCATE) {
      return Optional.of("loss.correction " + name(mode));
    }
    return Optional.empty();
  }

  private static String name(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  /** The body of a step: the groups' token ids, behaviour log-probs and rewards. */
  public static byte[] stepBody(List<TrainingGroup> groups) {
    int nSeq = 0;
    int pTok = 0;
    int cTok = 0;
    for (TrainingGroup g : groups) {
      pTok += g.promptTokenIds().length;
      for (TrainingSample s : g.completions()) {
        nSeq++;
        cTok += s.completionTokenIds().length;
      }
    }
    ByteBuffer sizes = ints(groups.size());
    ByteBuffer pLens = ints(groups.size());
    ByteBuffer pToks = ints(pTok);
    ByteBuffer cLens = ints(nSeq);
    ByteBuffer cToks = ints(cTok);
    ByteBuffer rewards = ByteBuffer.allocate(8 * nSeq).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer has = ByteBuffer.allocate(nSeq);
    ByteBuffer beh = ByteBuffer.allocate(4 * cTok).order(ByteOrder.LITTLE_ENDIAN);
    for (TrainingGroup g : groups) {
      sizes.putInt(g.completions().size());
      pLens.putInt(g.promptTokenIds().length);
      for (int t : g.promptTokenIds()) {
        pToks.putInt(t);
      }
      for (TrainingSample s : g.completions()) {
        cLens.putInt(s.completionTokenIds().length);
        for (int t : s.completionTokenIds()) {
          cToks.putInt(t);
        }
        rewards.putDouble(s.reward());
        has.put((byte) (s.behaviourLogProbs() == null ? 0 : 1));
        for (int i = 0; i < s.completionTokenIds().length; i++) {
          beh.putFloat(s.behaviourLogProbs() == null ? 0f : s.behaviourLogProbs()[i]);
        }
      }
    }
    Map<String, Array> arrays = new LinkedHashMap<>();
    arrays.put("groupSizes", new Array("i32", sizes));
    arrays.put("promptLengths", new Array("i32", pLens));
    arrays.put("promptTokens", new Array("i32", pToks));
    arrays.put("completionLengths", new Array("i32", cLens));
    arrays.put("completionTokens", new Array("i32", cToks));
    arrays.put("rewards", new Array("f64", rewards));
    arrays.put("hasBehaviour", new Array("u8", has));
    arrays.put("behaviourLogProbs", new Array("f32", beh));
    return frame(JSON.createObjectNode(), arrays);
  }

  private record Array(String dtype, ByteBuffer data) {}

  private static ByteBuffer ints(int n) {
    return ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static byte[] frame(ObjectNode header, Map<String, Array> arrays) {
    ObjectNode index = header.putObject("arrays");
    long offset = 0;
    for (var e : arrays.entrySet()) {
      int width =
          switch (e.getValue().dtype()) {
            case "i32", "f32" -> 4;
            case "f64" -> 8;
            default -> 1;
          };
      int bytes = e.getValue().data().capacity();
      index.putArray(e.getKey()).add(e.getValue().dtype()).add(bytes / width).add(offset);
      offset += bytes;
    }
    try {
      byte[] head = JSON.writeValueAsBytes(header);
      var out = new ByteArrayOutputStream(4 + head.length + (int) offset);
      out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(head.length).array());
      out.write(head);
      for (Array a : arrays.values()) {
        out.write(a.data().array());
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The metrics of a step response, under the names of {@link StepMetrics}. */
  public static StepMetrics metrics(JsonNode m) {
    return new StepMetrics(
        m.path("step").asLong(),
        m.path("optimizerSteps").asLong(),
        m.path("loss").asDouble(Double.NaN),
        m.path("kl").asDouble(),
        m.path("clipFracLow").asDouble(),
        m.path("clipFracHigh").asDouble(),
        m.path("entropy").asDouble(),
        m.path("gradNorm").asDouble(Double.NaN),
        m.path("learningRate").asDouble(),
        m.path("tokens").asLong(),
        m.path("sequences").asInt(),
        m.path("groups").asInt(),
        m.path("zeroStdGroups").asInt(),
        m.path("rewardMean").asDouble(),
        m.path("rewardStd").asDouble(),
        m.path("skippedUpdates").asInt(),
        m.path("forwardBackwardMillis").asLong(),
        m.path("optimizerMillis").asLong(),
        // Statistics of issue 17's options; grpo-worker/1 carries none of those options (see
        // unsupportedLossOption) and does not report these yet: 0, and 1 for the weights.
        m.path("clipFracDelta").asDouble(0),
        m.path("maskedFrac").asDouble(0),
        m.path("truncatedTokens").asLong(0),
        m.path("isWeightMean").asDouble(1),
        m.path("isWeightMin").asDouble(1),
        m.path("isWeightMax").asDouble(1));
  }

  /** The JSON mapper of protocol bodies. */
  public static ObjectMapper json() {
    return JSON;
  }
}
