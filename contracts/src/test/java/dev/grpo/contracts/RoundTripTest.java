package dev.grpo.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Test;

class RoundTripTest {
  private static final Map<Class<?>, Deserializer<?>> KAFKA_DESERIALIZERS =
      Map.of(
          PromptTask.class, new PromptTaskDeserializer(),
          RolloutGroup.class, new RolloutGroupDeserializer(),
          ScoredGroup.class, new ScoredGroupDeserializer(),
          RewardPart.class, new RewardPartDeserializer(),
          PolicyVersion.class, new PolicyVersionDeserializer(),
          TrainerStep.class, new TrainerStepDeserializer(),
          DeadLetter.class, new DeadLetterDeserializer());

  @Test
  void everyEventRoundTripsThroughEventJson() {
    for (var events : new Map[] {Examples.allEvents(), Examples.minimalEvents()}) {
      for (Object event : ((Map<String, Object>) events).values()) {
        byte[] json = EventJson.toBytes(event);
        assertThat(EventJson.fromBytes(json, event.getClass()))
            .as(event.getClass().getSimpleName())
            .isEqualTo(event);
        // Encoding is deterministic: the same event always gives the same bytes.
        assertThat(EventJson.toBytes(EventJson.fromBytes(json, event.getClass()))).isEqualTo(json);
      }
    }
  }

  @Test
  void everyEventRoundTripsThroughTheKafkaAdapters() {
    var serializer = new JsonEventSerializer<Object>();
    for (Object event : Examples.allEvents().values()) {
      byte[] bytes = serializer.serialize(Topics.ROLLOUTS, event);
      Object back = KAFKA_DESERIALIZERS.get(event.getClass()).deserialize(Topics.ROLLOUTS, bytes);
      assertThat(back).isEqualTo(event);
    }
    assertThat(serializer.serialize("t", null)).isNull();
    assertThat(new PromptTaskDeserializer().deserialize("t", null)).isNull();
  }

  @Test
  void tokenArraysAreWrittenPackedByDefaultAndReadInEitherEncoding() throws Exception {
    var group = Examples.rolloutGroup(2, 5);
    var mapper = EventJson.newMapper(TokenArrayEncoding.PACKED_BASE64);
    JsonNode packed = mapper.readTree(EventJson.toBytes(group)).at("/completions/0");
    assertThat(packed.get("tokenIds").isTextual()).isTrue();
    assertThat(packed.get("logProbs").isTextual()).isTrue();

    byte[] plain = EventJson.withTokenArrays(TokenArrayEncoding.JSON_ARRAYS).encode(group);
    JsonNode arrays = mapper.readTree(plain).at("/completions/0");
    assertThat(arrays.get("tokenIds").isArray()).isTrue();
    assertThat(arrays.get("tokenIds").get(0).intValue())
        .isEqualTo(group.completions().get(0).tokenIds()[0]);
    assertThat(EventJson.fromBytes(plain, RolloutGroup.class)).isEqualTo(group);
  }

  @Test
  void packedArraysAreLittleEndianInt32AndFloat32() {
    // Independent reference: the bytes written out by hand.
    var c =
        new Completion(0, "x", new int[] {1, 258}, new float[] {-1.0f, 0.0f}, FinishReason.STOP);
    var group =
        new RolloutGroup(
            1,
            "r",
            "g",
            onePromptTask(),
            0,
            "w",
            java.util.List.of(c),
            new RolloutTimings(0, 0),
            Examples.T0);
    String json = EventJson.toJson(group);
    // 1 = 01 00 00 00, 258 = 02 01 00 00  -> base64 "AQAAAAIBAAA="
    assertThat(json).contains("\"tokenIds\":\"AQAAAAIBAAA=\"");
    // -1.0f = 0xBF800000 -> 00 00 80 BF; 0.0f -> 00 00 00 00  -> base64 "AACAvwAAAAA="
    assertThat(json).contains("\"logProbs\":\"AACAvwAAAAA=\"");
    assertThat(json).contains("\"finishReason\":\"stop\"");
    assertThat(json).contains("\"createdAt\":\"2026-01-31T12:00:00.123456Z\"");
  }

  @Test
  void optionalFieldsAreLeftOutWhenAbsentAndDefaultToEmpty() {
    var part = new RewardPart(1, "r", "g", "c", java.util.List.of(1.0), null);
    String json = EventJson.toJson(part);
    assertThat(json).doesNotContain("reasons\":null");
    var back =
        EventJson.fromJson(
            "{\"schemaVersion\":1,\"runId\":\"r\",\"groupId\":\"g\",\"checker\":\"c\",\"scores\":[1.0]}",
            RewardPart.class);
    assertThat(back.reasons()).isEmpty();
    var dl =
        EventJson.fromBytes(
            EventJson.toBytes(Examples.minimalEvents().get("dead-letter")), DeadLetter.class);
    assertThat(dl.key()).isNull();
    assertThat(new String(EventJson.toBytes(dl), StandardCharsets.UTF_8)).doesNotContain("\"key\"");
  }

  private static PromptTask onePromptTask() {
    var t = Examples.promptTask(1);
    return new PromptTask(
        1,
        "r",
        "g",
        t.promptId(),
        t.prompt(),
        1,
        t.sampling(),
        t.rewardSpec(),
        t.verification(),
        t.issuedForStep(),
        t.policy(),
        t.issuedAt());
  }
}
