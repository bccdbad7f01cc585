package dev.grpo.trainer.rest;

import dev.grpo.trainer.run.FieldRule;
import dev.grpo.trainer.run.RunRequest;
import dev.grpo.trainer.run.RunRules;
import java.util.Map;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.media.Schema;

/**
 * Describes every field of the {@code POST /runs} body from {@link RunRules}, so the documented
 * default and range of a field are the ones the validator enforces (registered as {@code
 * mp.openapi.filter}). Fields are found by their dotted path from the {@link RunRequest} schema,
 * following references to the nested schemas.
 */
public class RunRulesOpenApiFilter implements OASFilter {
  /** The component name of the request body. */
  static final String ROOT = RunRequest.class.getSimpleName();

  private static final String REF_PREFIX = "#/components/schemas/";

  @Override
  public void filterOpenAPI(OpenAPI openAPI) {
    if (openAPI.getComponents() == null || openAPI.getComponents().getSchemas() == null) {
      return;
    }
    describe(openAPI.getComponents().getSchemas());
  }

  /**
   * Sets the description of every rule's field in {@code schemas}; a field that is missing is an
   * error, so a renamed field cannot silently lose its documentation.
   */
  static void describe(Map<String, Schema> schemas) {
    for (FieldRule rule : RunRules.ALL) {
      Schema field = find(schemas, rule.path());
      if (field == null) {
        throw new IllegalStateException(
            "OpenAPI schema " + ROOT + " has no field " + rule.path() + " to describe");
      }
      field.setDescription(rule.description());
    }
  }

  private static Schema find(Map<String, Schema> schemas, String path) {
    Schema current = schemas.get(ROOT);
    for (String name : path.split("\\.")) {
      Schema object = resolve(schemas, current);
      if (object == null || object.getProperties() == null) {
        return null;
      }
      current = object.getProperties().get(name);
    }
    return current;
  }

  /** The schema itself, or the component it refers to (directly or as its only allOf). */
  private static Schema resolve(Map<String, Schema> schemas, Schema s) {
    if (s == null) {
      return null;
    }
    if (s.getRef() != null) {
      return schemas.get(s.getRef().substring(REF_PREFIX.length()));
    }
    if (s.getAllOf() != null) {
      for (Schema part : s.getAllOf()) {
        if (part.getRef() != null) {
          return resolve(schemas, part);
        }
      }
    }
    return s;
  }
}
