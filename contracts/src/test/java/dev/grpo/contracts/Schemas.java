package dev.grpo.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Loads the JSON Schemas that ship in the contracts jar (copied from docs/contracts). */
final class Schemas {
  static final String ID_PREFIX = "https://grpo.dev/contracts/v1/";
  static final String CLASSPATH_DIR = "META-INF/grpo/contracts/v1/";

  private static final JsonSchemaFactory FACTORY =
      JsonSchemaFactory.getInstance(
          SpecVersion.VersionFlag.V202012,
          b -> b.schemaMappers(m -> m.mapPrefix(ID_PREFIX, "classpath:" + CLASSPATH_DIR)));

  private Schemas() {}

  static JsonSchema schema(String name) {
    return FACTORY.getSchema(SchemaLocation.of(ID_PREFIX + name + ".schema.json"));
  }

  static JsonNode raw(String name) {
    try (var in =
        Schemas.class.getClassLoader().getResourceAsStream(CLASSPATH_DIR + name + ".schema.json")) {
      if (in == null) {
        throw new IllegalStateException(
            "schema " + name + " is not on the classpath under " + CLASSPATH_DIR);
      }
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
