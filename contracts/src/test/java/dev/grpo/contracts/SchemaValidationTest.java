package dev.grpo.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SchemaValidationTest {
  private final com.fasterxml.jackson.databind.ObjectMapper mapper =
      EventJson.newMapper(TokenArrayEncoding.PACKED_BASE64);

  @Test
  void everySerializedExampleValidatesAgainstItsSchema() throws Exception {
    for (var events : new Map[] {Examples.allEvents(), Examples.minimalEvents()}) {
      for (var e : ((Map<String, Object>) events).entrySet()) {
        var json = mapper.readTree(EventJson.toBytes(e.getValue()));
        assertThat(Schemas.schema(e.getKey()).validate(json))
            .as(e.getKey() + ": " + json)
            .isEmpty();
      }
    }
  }

  @Test
  void plainArrayEncodingValidatesToo() throws Exception {
    var json =
        mapper.readTree(
            EventJson.withTokenArrays(TokenArrayEncoding.JSON_ARRAYS)
                .encode(Examples.scoredGroup()));
    assertThat(Schemas.schema("scored-group").validate(json)).isEmpty();
  }

  @Test
  void schemasRejectUnknownAndMissingFieldsAndBadValues() throws Exception {
    var task = (ObjectNode) mapper.readTree(EventJson.toBytes(Examples.promptTask(4)));
    assertThat(Schemas.schema("prompt-task").validate(task.deepCopy().put("colour", "red")))
        .anySatisfy(m -> assertThat(m.getMessage()).contains("colour"));
    var missing = task.deepCopy();
    missing.remove("groupSize");
    assertThat(Schemas.schema("prompt-task").validate(missing))
        .anySatisfy(m -> assertThat(m.getMessage()).contains("groupSize"));
    assertThat(Schemas.schema("prompt-task").validate(task.deepCopy().put("groupSize", 0)))
        .anySatisfy(m -> assertThat(m.getMessage()).contains("groupSize"));
    var nested = task.deepCopy();
    ((ObjectNode) nested.get("sampling")).put("topP", 1.5);
    assertThat(Schemas.schema("prompt-task").validate(nested))
        .anySatisfy(m -> assertThat(m.getMessage()).contains("topP"));

    var group = (ObjectNode) mapper.readTree(EventJson.toBytes(Examples.rolloutGroup(2, 3)));
    ((ObjectNode) group.get("task")).put("schemaVersion", 2);
    assertThat(Schemas.schema("rollout-group").validate(group))
        .anySatisfy(m -> assertThat(m.getMessage()).contains("schemaVersion"));
  }
}
