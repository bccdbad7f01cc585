package dev.grpo.rewards;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import dev.grpo.rewardapi.CheckInput;
import dev.grpo.rewardapi.CheckResult;
import dev.grpo.rewardapi.ParamSpec;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code json_schema}: the answer is one JSON value that satisfies a JSON Schema, for a documented
 * subset of draft 2020-12 validated by this class (so every keyword we accept is one we understand,
 * and {@code pattern} runs on RE2).
 */
public final class JsonSchemaChecker extends BuiltinChecker<JsonNode> {
  static final ParamSpec SCHEMA =
      ParamSpec.object("schema", "the JSON Schema; when absent, verification.schema is used");

  /** Deeper JSON than this is refused by the parser itself. */
  static final int MAX_JSON_DEPTH = 64;

  static final int MAX_NUMBER_CHARS = 100;
  static final int MAX_STRING_CHARS = 100_000;

  /** Longest string a schema {@code pattern} is run on. */
  static final int MAX_PATTERN_SUBJECT_CHARS = 4_096;

  /** Validation steps (nodes visited); bounds anyOf/allOf fan-out on hostile schemas. */
  static final int MAX_STEPS = 100_000;

  static final Set<String> ANNOTATIONS =
      Set.of("$schema", "$id", "title", "description", "default", "examples", "$comment");
  static final Set<String> KEYWORDS =
      Set.of(
          "type",
          "properties",
          "required",
          "additionalProperties",
          "items",
          "enum",
          "const",
          "minimum",
          "maximum",
          "exclusiveMinimum",
          "exclusiveMaximum",
          "minLength",
          "maxLength",
          "pattern",
          "minItems",
          "maxItems",
          "uniqueItems",
          "anyOf",
          "allOf",
          "oneOf",
          "not");

  private static final ObjectMapper MAPPER =
      new ObjectMapper(
              JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder()
                          .maxNestingDepth(MAX_JSON_DEPTH)
                          .maxNumberLength(MAX_NUMBER_CHARS)
                          .maxStringLength(MAX_STRING_CHARS)
                          .build())
                  .build())
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  @Override
  public String name() {
    return "json_schema";
  }

  @Override
  public String description() {
    return "1 when the answer (last ```json fenced block, else last <answer>, else the answer"
        + " region) is one JSON value valid against params.schema or verification.schema (a"
        + " documented subset of JSON Schema); else 0.";
  }

  @Override
  public List<ParamSpec> params() {
    return List.of(SCHEMA);
  }

  /** The schema, from {@code params.schema} else {@code verification.schema}, in the subset. */
  @Override
  Reference<JsonNode> reference(CheckInput input) {
    Object schemaValue =
        input.params().containsKey("schema")
            ? input.params().get("schema")
            : input.verification().get("schema");
    if (!(schemaValue instanceof Map<?, ?>)) {
      return Reference.missing("no schema in params.schema or verification.schema");
    }
    JsonNode schema = MAPPER.valueToTree(schemaValue);
    var unsupported = unsupportedKeyword(schema, "#");
    if (unsupported != null) {
      return Reference.missing("schema uses " + unsupported + ", outside the supported subset");
    }
    return Reference.of(schema);
  }

  @Override
  CheckResult score(CheckInput input, JsonNode schema) {
    var text = extract(ModelText.answerRegion(input.completion()));
    JsonNode value;
    try {
      value = MAPPER.readTree(text);
    } catch (Exception e) {
      var message = String.valueOf(e.getMessage());
      int newline = message.indexOf('\n');
      return CheckResult.scored(
          0, "not valid JSON: " + (newline > 0 ? message.substring(0, newline) : message));
    }
    if (value == null || value.isMissingNode()) {
      return CheckResult.scored(0, "no JSON value found");
    }
    var validation = new Validation();
    var error = validation.validate(value, schema, "$");
    return error == null
        ? CheckResult.scored(1, "valid against the schema")
        : CheckResult.scored(0, error);
  }

  static String extract(String region) {
    int fence = region.lastIndexOf("```json");
    if (fence >= 0) {
      int start = fence + "```json".length();
      int end = region.indexOf("```", start);
      if (end >= 0) {
        return region.substring(start, end).strip();
      }
    }
    var tag = ModelText.lastAnswerTag(region);
    return tag.map(String::strip).orElse(region.strip());
  }

  /** The path of the first keyword outside the subset, or null. */
  static String unsupportedKeyword(JsonNode schema, String path) {
    if (!schema.isObject()) {
      return schema.isBoolean() ? null : path + " (a schema must be an object or boolean)";
    }
    var names = schema.fieldNames();
    while (names.hasNext()) {
      var name = names.next();
      if (!KEYWORDS.contains(name) && !ANNOTATIONS.contains(name)) {
        return path + "/" + name;
      }
    }
    for (var key : List.of("items", "additionalProperties", "not")) {
      if (schema.has(key) && !schema.get(key).isBoolean()) {
        var inner = unsupportedKeyword(schema.get(key), path + "/" + key);
        if (inner != null) {
          return inner;
        }
      }
    }
    if (schema.has("properties")) {
      var fields = schema.get("properties").fields();
      while (fields.hasNext()) {
        var f = fields.next();
        var inner = unsupportedKeyword(f.getValue(), path + "/properties/" + f.getKey());
        if (inner != null) {
          return inner;
        }
      }
    }
    for (var key : List.of("anyOf", "allOf", "oneOf")) {
      if (schema.has(key)) {
        int i = 0;
        for (var sub : schema.get(key)) {
          var inner = unsupportedKeyword(sub, path + "/" + key + "/" + i++);
          if (inner != null) {
            return inner;
          }
        }
      }
    }
    return null;
  }

  /** One validation run: returns the first error as "path: what", or null when valid. */
  private static final class Validation {
    int steps;

    String validate(JsonNode value, JsonNode schema, String path) {
      if (++steps > MAX_STEPS) {
        return path + ": validation took more than " + MAX_STEPS + " steps";
      }
      if (schema.isBoolean()) {
        return schema.booleanValue() ? null : path + ": not allowed (schema false)";
      }
      if (schema.has("type")) {
        var types = schema.get("type");
        boolean ok = false;
        if (types.isArray()) {
          for (var t : types) {
            ok |= hasType(value, t.asText());
          }
        } else {
          ok = hasType(value, types.asText());
        }
        if (!ok) {
          return path + ": expected " + types + ", was " + typeOf(value);
        }
      }
      if (schema.has("const") && !equalJson(value, schema.get("const"))) {
        return path + ": must equal " + schema.get("const");
      }
      if (schema.has("enum")) {
        boolean found = false;
        for (var option : schema.get("enum")) {
          found |= equalJson(value, option);
        }
        if (!found) {
          return path + ": must be one of " + schema.get("enum");
        }
      }
      if (value.isNumber()) {
        var error = checkNumber(value, schema, path);
        if (error != null) {
          return error;
        }
      }
      if (value.isTextual()) {
        int length = value.textValue().codePointCount(0, value.textValue().length());
        if (schema.has("minLength") && length < schema.get("minLength").asLong()) {
          return path + ": shorter than minLength " + schema.get("minLength");
        }
        if (schema.has("maxLength") && length > schema.get("maxLength").asLong()) {
          return path + ": longer than maxLength " + schema.get("maxLength");
        }
        if (schema.has("pattern")) {
          if (value.textValue().length() > MAX_PATTERN_SUBJECT_CHARS) {
            // RE2 is linear, but its constant grows with the pattern; bound the product.
            return path
                + ": string of "
                + value.textValue().length()
                + " chars is over the "
                + MAX_PATTERN_SUBJECT_CHARS
                + "-char cap for pattern matching";
          }
          try {
            if (!Pattern.compile(schema.get("pattern").asText())
                .matcher(value.textValue())
                .find()) {
              return path + ": does not match pattern " + schema.get("pattern");
            }
          } catch (PatternSyntaxException e) {
            return path + ": schema pattern is not an RE2 pattern";
          }
        }
      }
      if (value.isArray()) {
        if (schema.has("minItems") && value.size() < schema.get("minItems").asLong()) {
          return path + ": fewer than minItems " + schema.get("minItems");
        }
        if (schema.has("maxItems") && value.size() > schema.get("maxItems").asLong()) {
          return path + ": more than maxItems " + schema.get("maxItems");
        }
        if (schema.path("uniqueItems").asBoolean(false)) {
          var seen = new HashSet<JsonNode>();
          for (var item : value) {
            if (!seen.add(normalizeNumbers(item))) {
              return path + ": items are not unique";
            }
          }
        }
        if (schema.has("items")) {
          int i = 0;
          for (var item : value) {
            var error = validate(item, schema.get("items"), path + "[" + i++ + "]");
            if (error != null) {
              return error;
            }
          }
        }
      }
      if (value.isObject()) {
        var error = checkObject(value, schema, path);
        if (error != null) {
          return error;
        }
      }
      return checkCombinators(value, schema, path);
    }

    private String checkObject(JsonNode value, JsonNode schema, String path) {
      if (schema.has("required")) {
        for (var name : schema.get("required")) {
          if (!value.has(name.asText())) {
            return path + ": missing required property '" + name.asText() + "'";
          }
        }
      }
      var properties = schema.path("properties");
      var fields = value.fields();
      while (fields.hasNext()) {
        var field = fields.next();
        var fieldPath = path + "." + field.getKey();
        if (properties.has(field.getKey())) {
          var error = validate(field.getValue(), properties.get(field.getKey()), fieldPath);
          if (error != null) {
            return error;
          }
        } else if (schema.has("additionalProperties")) {
          var additional = schema.get("additionalProperties");
          if (additional.isBoolean() && !additional.booleanValue()) {
            return path + ": property '" + field.getKey() + "' is not allowed";
          }
          var error = validate(field.getValue(), additional, fieldPath);
          if (error != null) {
            return error;
          }
        }
      }
      return null;
    }

    private String checkCombinators(JsonNode value, JsonNode schema, String path) {
      if (schema.has("allOf")) {
        for (var sub : schema.get("allOf")) {
          var error = validate(value, sub, path);
          if (error != null) {
            return error;
          }
        }
      }
      if (schema.has("anyOf")) {
        boolean any = false;
        for (var sub : schema.get("anyOf")) {
          any |= validate(value, sub, path) == null;
        }
        if (!any) {
          return path + ": matches none of anyOf";
        }
      }
      if (schema.has("oneOf")) {
        int matches = 0;
        for (var sub : schema.get("oneOf")) {
          matches += validate(value, sub, path) == null ? 1 : 0;
        }
        if (matches != 1) {
          return path + ": matches " + matches + " of oneOf, expected exactly 1";
        }
      }
      if (schema.has("not") && validate(value, schema.get("not"), path) == null) {
        return path + ": matches the 'not' schema";
      }
      return null;
    }

    private static String checkNumber(JsonNode value, JsonNode schema, String path) {
      var n = value.decimalValue();
      if (schema.has("minimum") && n.compareTo(schema.get("minimum").decimalValue()) < 0) {
        return path + ": less than minimum " + schema.get("minimum");
      }
      if (schema.has("maximum") && n.compareTo(schema.get("maximum").decimalValue()) > 0) {
        return path + ": greater than maximum " + schema.get("maximum");
      }
      if (schema.has("exclusiveMinimum")
          && n.compareTo(schema.get("exclusiveMinimum").decimalValue()) <= 0) {
        return path + ": not greater than exclusiveMinimum " + schema.get("exclusiveMinimum");
      }
      if (schema.has("exclusiveMaximum")
          && n.compareTo(schema.get("exclusiveMaximum").decimalValue()) >= 0) {
        return path + ": not less than exclusiveMaximum " + schema.get("exclusiveMaximum");
      }
      return null;
    }
  }

  static boolean hasType(JsonNode value, String type) {
    return switch (type) {
      case "string" -> value.isTextual();
      case "number" -> value.isNumber();
      case "integer" ->
          value.isIntegralNumber()
              || (value.isNumber() && value.decimalValue().stripTrailingZeros().scale() <= 0);
      case "boolean" -> value.isBoolean();
      case "object" -> value.isObject();
      case "array" -> value.isArray();
      case "null" -> value.isNull();
      default -> false;
    };
  }

  static String typeOf(JsonNode value) {
    if (value.isNumber()) {
      return value.isIntegralNumber() ? "integer" : "number";
    }
    return value.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }

  /** JSON equality with 1 == 1.0. */
  static boolean equalJson(JsonNode a, JsonNode b) {
    return normalizeNumbers(a).equals(normalizeNumbers(b));
  }

  private static JsonNode normalizeNumbers(JsonNode node) {
    if (node.isNumber()) {
      return com.fasterxml.jackson.databind.node.DecimalNode.valueOf(
          node.decimalValue().stripTrailingZeros());
    }
    if (node.isContainerNode()) {
      var copy = node.deepCopy();
      if (copy.isArray()) {
        var array = (com.fasterxml.jackson.databind.node.ArrayNode) copy;
        for (int i = 0; i < array.size(); i++) {
          array.set(i, normalizeNumbers(array.get(i)));
        }
      } else {
        var object = (com.fasterxml.jackson.databind.node.ObjectNode) copy;
        var names = new java.util.ArrayList<String>();
        object.fieldNames().forEachRemaining(names::add);
        for (var name : names) {
          object.set(name, normalizeNumbers(object.get(name)));
        }
      }
      return copy;
    }
    return node;
  }
}
