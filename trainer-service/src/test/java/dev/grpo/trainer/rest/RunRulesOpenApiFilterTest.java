package dev.grpo.trainer.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.trainer.run.FieldRule;
import dev.grpo.trainer.run.RunRequest;
import dev.grpo.trainer.run.RunRules;
import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.junit.jupiter.api.Test;

/**
 * The filter against schemas shaped as SmallRye writes them for {@link RunRequest} (one component
 * per record, nested records by reference): every rule finds its field, so the rules and the
 * request's fields agree.
 */
class RunRulesOpenApiFilterTest {

  /** One component per record reachable from RunRequest; {@code allOf} refs every other time. */
  private static Map<String, Schema> schemasOf(Class<?> root) {
    var schemas = new LinkedHashMap<String, Schema>();
    add(root, schemas, new int[1]);
    return schemas;
  }

  private static void add(Class<?> type, Map<String, Schema> schemas, int[] refs) {
    Schema s = OASFactory.createSchema();
    schemas.put(type.getSimpleName(), s);
    for (RecordComponent c : type.getRecordComponents()) {
      Schema property = OASFactory.createSchema();
      if (c.getType().isRecord() && c.getType().getDeclaringClass() == RunRequest.class) {
        String ref = "#/components/schemas/" + c.getType().getSimpleName();
        if (refs[0]++ % 2 == 0) {
          property.setRef(ref);
        } else {
          property.setAllOf(List.of(OASFactory.createSchema().ref(ref)));
        }
        add(c.getType(), schemas, refs);
      }
      s.addProperty(c.getName(), property);
    }
  }

  private static Schema field(Map<String, Schema> schemas, String path) {
    String[] p = path.split("\\.");
    Schema s = schemas.get("RunRequest");
    for (int i = 0; i < p.length; i++) {
      Schema property = s.getProperties().get(p[i]);
      if (i == p.length - 1) {
        return property;
      }
      String ref =
          property.getRef() != null ? property.getRef() : property.getAllOf().get(0).getRef();
      s = schemas.get(ref.substring(ref.lastIndexOf('/') + 1));
    }
    throw new AssertionError(path);
  }

  @Test
  void everyRuleDescribesItsFieldOfTheRequest() {
    var schemas = schemasOf(RunRequest.class);
    RunRulesOpenApiFilter.describe(schemas);
    for (FieldRule rule : RunRules.ALL) {
      assertThat(field(schemas, rule.path()).getDescription())
          .as(rule.path())
          .isEqualTo(rule.description());
    }
    assertThat(field(schemas, "groupSize").getDescription())
        .isEqualTo("Completions per prompt (G); 2..256; default 8");
    assertThat(field(schemas, "loss.epsLow").getDescription()).contains("[0, 1)", "default 0.2");
    assertThat(field(schemas, "loss.variant").getDescription())
        .contains("grpo | bnpo | dapo | dr_grpo", "default grpo");
    assertThat(field(schemas, "optimizer.schedule").getDescription())
        .contains("constant | cosine", "default constant");
  }

  @Test
  void aRuleWithoutItsFieldFailsTheBuildRatherThanGoUndocumented() {
    var schemas = schemasOf(RunRequest.class);
    schemas.get("LossSpec").removeProperty("epsLow");
    assertThatThrownBy(() -> RunRulesOpenApiFilter.describe(schemas))
        .hasMessage("OpenAPI schema RunRequest has no field loss.epsLow to describe");
  }

  @Test
  void aDocumentWithoutComponentsIsLeftAlone() {
    var api = OASFactory.createOpenAPI();
    new RunRulesOpenApiFilter().filterOpenAPI(api);
    assertThat(api.getComponents()).isNull();
  }
}
