package dev.grpo.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** Bad input fails with a message naming the event type, the field, the value and the rule. */
class RejectionTest {
  private final ObjectMapper mapper = EventJson.newMapper(TokenArrayEncoding.PACKED_BASE64);

  private EventFormatException decodeFails(Object valid, Consumer<ObjectNode> breakIt) {
    ObjectNode json = mapper.valueToTree(valid);
    breakIt.accept(json);
    var type = valid.getClass();
    try {
      Object decoded = EventJson.fromBytes(mapper.writeValueAsBytes(json), type);
      throw new AssertionError("decoded a broken " + type.getSimpleName() + ": " + decoded);
    } catch (EventFormatException e) {
      assertThat(e.eventType()).isEqualTo(type);
      assertThat(e.getMessage())
          .startsWith("Invalid " + type.getSimpleName() + " at '" + e.field() + "': ");
      return e;
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void unknownFieldIsRejectedWithItsName() {
    var e = decodeFails(Examples.promptTask(2), j -> j.put("colour", "red"));
    assertThat(e.field()).isEqualTo("colour");
    assertThat(e.getMessage())
        .contains("unknown field 'colour' in PromptTask")
        .contains("groupSize");

    var nested =
        decodeFails(
            Examples.rolloutGroup(2, 3),
            j -> ((ObjectNode) j.get("completions").get(1)).put("logprobs", "AAAA"));
    assertThat(nested.field()).isEqualTo("completions[1].logprobs");
    assertThat(nested.getMessage()).contains("unknown field 'logprobs' in Completion");
  }

  @Test
  void missingRequiredFieldIsRejectedWithItsName() {
    var e = decodeFails(Examples.promptTask(2), j -> j.remove("groupSize"));
    assertThat(e.field()).isEqualTo("groupSize");
    assertThat(e.getMessage()).contains("missing required field 'groupSize'");

    var nested =
        decodeFails(
            Examples.scoredGroup(),
            j -> ((ObjectNode) j.get("rollout").get("task").get("sampling")).remove("seed"));
    assertThat(nested.field()).isEqualTo("rollout.task.sampling.seed");

    var prim = decodeFails(Examples.trainerStep(), j -> j.remove("step"));
    assertThat(prim.field()).isEqualTo("step");

    var object = decodeFails(Examples.rolloutGroup(1, 1), j -> j.remove("task"));
    assertThat(object.field()).isEqualTo("task");
  }

  @Test
  void nullForRequiredFieldIsRejected() {
    var prim = decodeFails(Examples.promptTask(2), j -> j.putNull("groupSize"));
    assertThat(prim.field()).isEqualTo("groupSize");
    var obj = decodeFails(Examples.promptTask(2), j -> j.putNull("runId"));
    assertThat(obj.getMessage()).contains("runId must be a non-blank string, was null");
  }

  @Test
  void invalidValuesAreRejectedWithTheRule() {
    var size = decodeFails(Examples.promptTask(2), j -> j.put("groupSize", 0));
    assertThat(size.getMessage()).contains("groupSize must be between 1 and 256, was 0");

    var topP =
        decodeFails(Examples.promptTask(2), j -> ((ObjectNode) j.get("sampling")).put("topP", 1.5));
    assertThat(topP.field()).isEqualTo("sampling");
    assertThat(topP.getMessage()).contains("SamplingParams.topP must be in (0, 1], was 1.5");

    var lengths =
        decodeFails(
            Examples.rolloutGroup(2, 3),
            j ->
                ((ObjectNode) j.get("completions").get(0))
                    .set("logProbs", mapper.createArrayNode().add(-1.0)));
    assertThat(lengths.field()).isEqualTo("completions[0]");
    assertThat(lengths.getMessage())
        .contains("tokenIds and logProbs must have the same length, were 3 and 1");

    var count =
        decodeFails(Examples.rolloutGroup(2, 3), j -> ((ArrayNode) j.get("completions")).remove(1));
    assertThat(count.getMessage())
        .contains("completions must hold task.groupSize=2 entries, was 1");

    var version = decodeFails(Examples.policyVersion(), j -> j.put("schemaVersion", 2));
    assertThat(version.getMessage()).contains("schemaVersion must be between 1 and 1, was 2");

    var enumValue =
        decodeFails(
            Examples.rolloutGroup(1, 1),
            j -> ((ObjectNode) j.get("completions").get(0)).put("finishReason", "eos"));
    assertThat(enumValue.field()).isEqualTo("completions[0].finishReason");
    assertThat(enumValue.getMessage()).contains("eos").contains("stop").contains("length");
  }

  @Test
  void wrongTypesAreRejectedNotCoerced() {
    var str = decodeFails(Examples.promptTask(2), j -> j.put("groupSize", "4"));
    assertThat(str.field()).isEqualTo("groupSize");
    var frac = decodeFails(Examples.promptTask(2), j -> j.put("groupSize", 3.5));
    assertThat(frac.field()).isEqualTo("groupSize");
    var packed =
        decodeFails(
            Examples.rolloutGroup(1, 2),
            j -> ((ObjectNode) j.get("completions").get(0)).put("tokenIds", "AQID"));
    assertThat(packed.field()).isEqualTo("completions[0].tokenIds");
    assertThat(packed.getMessage()).contains("multiple of 4 bytes, was 3 bytes");
    var notBase64 =
        decodeFails(
            Examples.rolloutGroup(1, 2),
            j -> ((ObjectNode) j.get("completions").get(0)).put("tokenIds", "%%%%"));
    assertThat(notBase64.field()).isEqualTo("completions[0].tokenIds");
    var element =
        decodeFails(
            Examples.rolloutGroup(1, 2),
            j ->
                ((ObjectNode) j.get("completions").get(0))
                    .set("tokenIds", mapper.createArrayNode().add(1).add("x")));
    assertThat(element.getMessage()).contains("element 1 must be an integer");
    var instant = decodeFails(Examples.trainerStep(), j -> j.put("createdAt", "yesterday"));
    assertThat(instant.field()).isEqualTo("createdAt");
  }

  @Test
  void malformedJsonAndWrongDocumentsAreRejected() {
    assertThatThrownBy(() -> EventJson.fromJson("{\"schemaVersion\":1,", TrainerStep.class))
        .isInstanceOf(EventFormatException.class)
        .hasMessageContaining("Invalid TrainerStep at '$': malformed JSON");
    assertThatThrownBy(() -> EventJson.fromJson("null", TrainerStep.class))
        .isInstanceOf(EventFormatException.class)
        .hasMessageContaining("JSON null");
    assertThatThrownBy(
            () ->
                EventJson.fromJson(
                    EventJson.toJson(Examples.trainerStep()) + "{}", TrainerStep.class))
        .isInstanceOf(EventFormatException.class)
        .hasMessageContaining("Invalid TrainerStep at '$'");
    assertThatThrownBy(
            () -> EventJson.fromJson("{\"runId\":\"a\",\"runId\":\"b\"}", TrainerStep.class))
        .isInstanceOf(EventFormatException.class)
        .hasMessageContaining("Duplicate field 'runId'");
  }

  @Test
  void kafkaDeserializerWrapsTheFieldMessage() {
    ObjectNode json = mapper.valueToTree(Examples.rewardPart());
    json.put("score", 1);
    assertThatThrownBy(
            () ->
                new RewardPartDeserializer()
                    .deserialize(Topics.REWARD_PARTS, json.toString().getBytes()))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining(
            "topic grpo.reward-parts: Invalid RewardPart at 'score': unknown field 'score'")
        .hasCauseInstanceOf(EventFormatException.class);
  }

  @Test
  void constructorsEnforceInvariants() {
    assertThatThrownBy(() -> Examples.promptTask(0))
        .hasMessage("groupSize must be between 1 and 256, was 0");
    assertThatThrownBy(() -> Examples.promptTask(257))
        .hasMessage("groupSize must be between 1 and 256, was 257");
    assertThatThrownBy(() -> new Completion(0, "", new int[2], new float[1], FinishReason.STOP))
        .hasMessage("tokenIds and logProbs must have the same length, were 2 and 1");
    assertThatThrownBy(
            () -> new Completion(0, "", new int[] {-1}, new float[] {0f}, FinishReason.STOP))
        .hasMessage("tokenIds[0] must be >= 0, was -1");
    assertThatThrownBy(
            () -> new Completion(0, "", new int[] {1}, new float[] {Float.NaN}, FinishReason.STOP))
        .hasMessage("logProbs[0] must be finite and <= 0, was NaN");
    assertThatThrownBy(
            () -> new Completion(0, "", new int[] {1}, new float[] {0.5f}, FinishReason.STOP))
        .hasMessage("logProbs[0] must be finite and <= 0, was 0.5");
    assertThatThrownBy(() -> new SamplingParams(0.0, 1.0, 0, 16, null, 1))
        .hasMessageContaining(
            "temperature must be a finite number > 0 (use topK=1 for greedy), was 0.0");
    assertThatThrownBy(() -> new SamplingParams(1.0, 1.0, 0, 40_000, null, 1))
        .hasMessage("maxNewTokens must be between 1 and 32768, was 40000");
    assertThatThrownBy(() -> new RewardSpec(List.of()))
        .hasMessage("checkers must name at least one checker, was empty");
    assertThatThrownBy(() -> new CheckerSpec("x", Double.NaN, null))
        .hasMessage("weight must be a finite number, was NaN");
    var g = Examples.rolloutGroup(2, 1);
    assertThatThrownBy(
            () ->
                new RolloutGroup(
                    1,
                    "other",
                    g.groupId(),
                    g.task(),
                    0,
                    "w",
                    g.completions(),
                    g.timings(),
                    g.createdAt()))
        .hasMessage("runId must equal task.runId, was 'other' vs 'run-1'");
    assertThatThrownBy(
            () ->
                new RolloutGroup(
                    1,
                    g.runId(),
                    g.groupId(),
                    g.task(),
                    0,
                    "w",
                    List.of(g.completions().get(1), g.completions().get(0)),
                    g.timings(),
                    g.createdAt()))
        .hasMessage("completions[0].index must be 0, was 1");
    assertThatThrownBy(() -> new RewardPart(1, "r", "g", "c", List.of(1.0, 2.0), List.of("one")))
        .hasMessage("reasons must be empty or hold one entry per score (2), was 1");
    assertThatThrownBy(() -> new TrainerStep(1, "r", 0, 0, Map.of("loss", Double.NaN), Examples.T0))
        .hasMessage("metrics.loss must be a finite number, was NaN");
    assertThatThrownBy(() -> new PolicyVersion(1, "r", 0, 0, "file:/x", "ABC", Examples.T0))
        .hasMessage("sha256 must be 64 lower-case hex digits, was 'ABC'");
    assertThatThrownBy(
            () -> new DeadLetter(1, "s", "r", "t", -1, 0, null, new byte[0], Examples.T0))
        .hasMessage("sourcePartition must be >= 0, was -1");
  }

  @Test
  void recordsCopyTheirInputs() {
    var ids = new int[] {1, 2};
    var c = new Completion(0, "", ids, new float[] {-1f, -2f}, FinishReason.STOP);
    ids[0] = 99;
    assertThat(c.tokenIds()[0]).isEqualTo(1);
    var metrics = new java.util.HashMap<String, Double>(Map.of("loss", 1.0));
    var step = new TrainerStep(1, "r", 0, 0, metrics, Examples.T0);
    metrics.put("kl", 2.0);
    assertThat(step.metrics()).containsOnlyKeys("loss");
    assertThatThrownBy(() -> step.metrics().put("x", 1.0))
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
