package dev.grpo.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The records and the JSON Schemas describe the same fields, so neither can drift from the other.
 */
class SchemaContractTest {
  /** Where each record is described: schema file and JSON pointer inside it. */
  private static final Map<Class<?>, String[]> LOCATIONS = new LinkedHashMap<>();

  static {
    LOCATIONS.put(PromptTask.class, new String[] {"prompt-task", ""});
    LOCATIONS.put(SamplingParams.class, new String[] {"prompt-task", "/$defs/SamplingParams"});
    LOCATIONS.put(RewardSpec.class, new String[] {"prompt-task", "/$defs/RewardSpec"});
    LOCATIONS.put(CheckerSpec.class, new String[] {"prompt-task", "/$defs/CheckerSpec"});
    LOCATIONS.put(ExternalPart.class, new String[] {"prompt-task", "/$defs/ExternalPart"});
    LOCATIONS.put(PolicyRef.class, new String[] {"prompt-task", "/$defs/PolicyRef"});
    LOCATIONS.put(RolloutGroup.class, new String[] {"rollout-group", ""});
    LOCATIONS.put(Completion.class, new String[] {"rollout-group", "/$defs/Completion"});
    LOCATIONS.put(RolloutTimings.class, new String[] {"rollout-group", "/$defs/RolloutTimings"});
    LOCATIONS.put(ScoredGroup.class, new String[] {"scored-group", ""});
    LOCATIONS.put(CompletionScore.class, new String[] {"scored-group", "/$defs/CompletionScore"});
    LOCATIONS.put(RewardPart.class, new String[] {"reward-part", ""});
    LOCATIONS.put(PolicyVersion.class, new String[] {"policy-version", ""});
    LOCATIONS.put(TrainerStep.class, new String[] {"trainer-step", ""});
    LOCATIONS.put(DeadLetter.class, new String[] {"dead-letter", ""});
  }

  @Test
  void schemaPropertiesAndRequiredMatchTheRecordComponents() {
    var problems = new ArrayList<String>();
    for (var entry : LOCATIONS.entrySet()) {
      Class<?> type = entry.getKey();
      JsonNode node = Schemas.raw(entry.getValue()[0]).at(entry.getValue()[1]);
      String where =
          entry.getValue()[0]
              + ".schema.json#"
              + entry.getValue()[1]
              + " vs "
              + type.getSimpleName();
      if (node.isMissingNode()) {
        problems.add(where + ": no such schema node");
        continue;
      }
      var components = new TreeSet<String>();
      var required = new TreeSet<String>();
      for (RecordComponent c : type.getRecordComponents()) {
        components.add(c.getName());
        if (!c.isAnnotationPresent(OptionalField.class)) {
          required.add(c.getName());
        }
      }
      var properties = new TreeSet<String>();
      node.path("properties").fieldNames().forEachRemaining(properties::add);
      var schemaRequired = new TreeSet<String>();
      node.path("required").forEach(n -> schemaRequired.add(n.asText()));
      if (!components.equals(properties)) {
        problems.add(where + ": properties " + properties + " but components " + components);
      }
      if (!required.equals(schemaRequired)) {
        problems.add(
            where
                + ": required "
                + schemaRequired
                + " but non-@OptionalField components "
                + required);
      }
      if (!node.path("additionalProperties").isBoolean()
          || node.path("additionalProperties").booleanValue()) {
        problems.add(where + ": additionalProperties must be false");
      }
      if (!"object".equals(node.path("type").asText())) {
        problems.add(where + ": type must be object");
      }
      for (RecordComponent c : type.getRecordComponents()) {
        String expected = expectedShape(c.getGenericType());
        String actual = shape(node.path("properties").path(c.getName()));
        if (properties.contains(c.getName()) && !expected.equals(actual)) {
          problems.add(
              where
                  + ": "
                  + c.getName()
                  + " is "
                  + actual
                  + " in the schema, "
                  + expected
                  + " in the record");
        }
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void everyNestedRecordHasASchemaLocation() {
    var missing = new TreeSet<String>();
    for (Class<?> type : LOCATIONS.keySet()) {
      for (RecordComponent c : type.getRecordComponents()) {
        for (Class<?> nested : recordsIn(c.getGenericType())) {
          if (!LOCATIONS.containsKey(nested)) {
            missing.add(nested.getSimpleName());
          }
        }
      }
    }
    assertThat(missing).isEmpty();
  }

  @Test
  void schemaVersionIsTheCurrentOneEverywhere() {
    for (var name :
        Set.of(
            "prompt-task",
            "rollout-group",
            "scored-group",
            "reward-part",
            "policy-version",
            "trainer-step",
            "dead-letter")) {
      assertThat(Schemas.raw(name).at("/properties/schemaVersion/const").asInt())
          .as(name)
          .isEqualTo(Contracts.SCHEMA_VERSION);
      assertThat(Schemas.raw(name).path("$id").asText())
          .isEqualTo(Schemas.ID_PREFIX + name + ".schema.json");
    }
  }

  private static List<Class<?>> recordsIn(Type t) {
    var out = new ArrayList<Class<?>>();
    if (t instanceof Class<?> c && c.isRecord()) {
      out.add(c);
    } else if (t instanceof ParameterizedType p) {
      for (Type arg : p.getActualTypeArguments()) {
        out.addAll(recordsIn(arg));
      }
    }
    return out;
  }

  /** A coarse JSON shape of a Java type as the serde writes it. */
  private static String expectedShape(Type t) {
    if (t instanceof ParameterizedType p) {
      var raw = (Class<?>) p.getRawType();
      return List.class.isAssignableFrom(raw)
          ? "array"
          : Map.class.isAssignableFrom(raw) ? "object" : "?" + raw;
    }
    var c = (Class<?>) t;
    if (c == int.class || c == long.class || c == Long.class) return "integer";
    if (c == double.class) return "number";
    if (c == boolean.class) return "boolean";
    if (c == String.class || c == Instant.class || c == byte[].class) return "string";
    if (c == int[].class || c == float[].class) return "string|array";
    if (c.isEnum()) return "enum";
    if (c.isRecord()) return "$ref";
    return "?" + c.getName();
  }

  private static String shape(JsonNode property) {
    if (property.has("$ref")) return "$ref";
    if (property.has("enum")) return "enum";
    if (property.has("oneOf")) {
      var types = new ArrayList<String>();
      property.get("oneOf").forEach(n -> types.add(n.path("type").asText()));
      return String.join("|", types);
    }
    return property.path("type").asText("?");
  }
}
