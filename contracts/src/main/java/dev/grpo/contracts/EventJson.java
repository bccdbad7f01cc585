package dev.grpo.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The JSON encoding of the contract: one strictly configured Jackson mapper. Unknown fields,
 * missing required fields (all but those marked {@link OptionalField}), duplicate keys, trailing
 * content, nulls for numbers and numbers given as strings are rejected with an {@link
 * EventFormatException} that names the field. Instants are ISO-8601 strings; token arrays are
 * written as configured by {@link TokenArrayEncoding} and read in either form.
 *
 * <p>Thread-safe; share it.
 */
public final class EventJson {
  private static final EventJson STANDARD = new EventJson(TokenArrayEncoding.PACKED_BASE64);
  private static final Pattern MISSING_PROPERTY =
      Pattern.compile("Missing required creator property '([^']+)'.*", Pattern.DOTALL);

  private final ObjectMapper mapper;

  private EventJson(TokenArrayEncoding encoding) {
    this.mapper = newMapper(encoding);
  }

  /** The shared instance: writes packed token arrays. */
  public static EventJson standard() {
    return STANDARD;
  }

  /**
   * An instance that writes token arrays in the given encoding (e.g. plain arrays for debugging).
   */
  public static EventJson withTokenArrays(TokenArrayEncoding encoding) {
    return encoding == TokenArrayEncoding.PACKED_BASE64 ? STANDARD : new EventJson(encoding);
  }

  /** Encodes an event to UTF-8 JSON with {@link #standard()}. */
  public static byte[] toBytes(Object event) {
    return STANDARD.encode(event);
  }

  /** Decodes UTF-8 JSON into an event of the given type with {@link #standard()}. */
  public static <T> T fromBytes(byte[] json, Class<T> type) {
    return STANDARD.decode(json, type);
  }

  /** Encodes an event to a JSON string with {@link #standard()}. */
  public static String toJson(Object event) {
    return new String(STANDARD.encode(event), StandardCharsets.UTF_8);
  }

  /** Decodes a JSON string with {@link #standard()}. */
  public static <T> T fromJson(String json, Class<T> type) {
    return STANDARD.decode(json.getBytes(StandardCharsets.UTF_8), type);
  }

  /**
   * A new mapper with the contract's configuration, for callers that need Jackson directly (e.g. to
   * read a {@code JsonNode}); changing it does not affect this class.
   */
  public static ObjectMapper newMapper(TokenArrayEncoding encoding) {
    var mapper =
        JsonMapper.builder()
            .annotationIntrospector(new ContractIntrospector())
            .addModule(new JavaTimeModule())
            .addModule(PackedArrays.module(encoding))
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .build();
    // "5" for a number or "true" for a boolean is a producer bug, not something to paper over.
    for (var type : List.of(LogicalType.Integer, LogicalType.Float, LogicalType.Boolean)) {
      mapper.coercionConfigFor(type).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
    }
    return mapper;
  }

  /** Encodes an event to UTF-8 JSON. */
  public byte[] encode(Object event) {
    try {
      return mapper.writeValueAsBytes(event);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "Cannot encode "
              + (event == null ? "null" : event.getClass().getSimpleName())
              + ": "
              + e.getOriginalMessage(),
          e);
    }
  }

  /**
   * Decodes UTF-8 JSON into an event of the given type.
   *
   * @throws EventFormatException when the bytes are not a valid event of that type
   */
  public <T> T decode(byte[] json, Class<T> type) {
    try {
      T value = mapper.readValue(json, type);
      if (value == null) {
        throw new EventFormatException(
            type, "$", "the document is JSON null, expected an object", null);
      }
      return value;
    } catch (EventFormatException e) {
      throw e;
    } catch (IOException e) {
      throw describe(type, e);
    }
  }

  private static EventFormatException describe(Class<?> type, IOException e) {
    if (e instanceof JsonParseException p) {
      return new EventFormatException(
          type,
          "$",
          "malformed JSON: "
              + p.getOriginalMessage()
              + " at "
              + p.getLocation().offsetDescription(),
          e);
    }
    if (!(e instanceof JsonMappingException m)) {
      return new EventFormatException(type, "$", String.valueOf(e.getMessage()), e);
    }
    String path = path(m.getPath());
    if (m instanceof UnrecognizedPropertyException u) {
      var known =
          u.getKnownPropertyIds() == null
              ? ""
              : " (allowed: "
                  + new TreeSet<>(u.getKnownPropertyIds().stream().map(String::valueOf).toList())
                  + ")";
      return new EventFormatException(
          type,
          path,
          "unknown field '"
              + u.getPropertyName()
              + "' in "
              + u.getReferringClass().getSimpleName()
              + known,
          e);
    }
    if (m instanceof ValueInstantiationException v
        && v.getCause() instanceof IllegalArgumentException iae) {
      // The record's own invariant check: its message already names the field and the rule.
      return new EventFormatException(
          type, path, v.getType().getRawClass().getSimpleName() + "." + iae.getMessage(), e);
    }
    if (m instanceof InvalidDefinitionException) {
      return new EventFormatException(
          type, path, "not decodable as a contract event: " + m.getOriginalMessage(), e);
    }
    var missing = MISSING_PROPERTY.matcher(m.getOriginalMessage());
    if (missing.matches()) {
      // Jackson usually puts the missing property at the end of the path already; not always.
      String name = missing.group(1);
      String field =
          path.equals("$")
              ? name
              : path.equals(name) || path.endsWith("." + name) ? path : path + "." + name;
      return new EventFormatException(
          type, field, "missing required field '" + missing.group(1) + "'", e);
    }
    return new EventFormatException(type, path, m.getOriginalMessage(), e);
  }

  private static String path(List<JsonMappingException.Reference> refs) {
    if (refs.isEmpty()) {
      return "$";
    }
    var sb = new StringBuilder();
    for (var ref : refs) {
      if (ref.getFieldName() != null) {
        if (sb.length() > 0) {
          sb.append('.');
        }
        sb.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        sb.append('[').append(ref.getIndex()).append(']');
      }
    }
    return sb.length() == 0 ? "$" : sb.toString();
  }

  /**
   * Makes every component of a contract record required unless it is marked {@link OptionalField},
   * so that a missing field fails decoding instead of becoming a default value.
   */
  private static final class ContractIntrospector extends JacksonAnnotationIntrospector {
    private static final long serialVersionUID = 1L;

    @Override
    public Boolean hasRequiredMarker(AnnotatedMember member) {
      Boolean explicit = super.hasRequiredMarker(member);
      if (explicit != null) {
        return explicit;
      }
      Class<?> owner = member.getDeclaringClass();
      if (owner.isRecord() && owner.getPackageName().equals(EventJson.class.getPackageName())) {
        return !member.hasAnnotation(OptionalField.class);
      }
      return null;
    }
  }
}
