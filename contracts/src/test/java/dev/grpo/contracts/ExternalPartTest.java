package dev.grpo.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code external} object of a checker entry: defaults, the rules, and the schema agreeing. */
class ExternalPartTest {
  private static final ObjectMapper MAPPER = EventJson.newMapper(TokenArrayEncoding.PACKED_BASE64);

  private static CheckerSpec decode(String json) {
    return EventJson.fromJson(json, CheckerSpec.class);
  }

  @Test
  void topicPartTakesTheDefaults() {
    var spec = decode("{\"name\":\"judge\",\"weight\":1.0,\"external\":{\"via\":\"topic\"}}");
    assertThat(spec.isExternal()).isTrue();
    assertThat(spec.external().timeoutMillis()).isEqualTo(ExternalPart.DEFAULT_TIMEOUT_MILLIS);
    assertThat(spec.external().onTimeout()).isEqualTo(ExternalPart.OnTimeout.ZERO);
    assertThat(spec.external().format()).isNull();
  }

  @Test
  void httpPartDefaultsToTheGrpoFormat() {
    var spec =
        decode(
            "{\"name\":\"rm\",\"weight\":0.5,\"external\":{\"via\":\"http\","
                + "\"url\":\"http://rm:9000/get_reward\",\"timeoutMillis\":10000,"
                + "\"onTimeout\":\"drop\"}}");
    assertThat(spec.external().format()).isEqualTo(ExternalPart.Format.GRPO);
    assertThat(spec.external().onTimeout()).isEqualTo(ExternalPart.OnTimeout.DROP);
  }

  @Test
  void badValuesAreRejectedNamingTheField() {
    assertThatThrownBy(
            () ->
                decode(
                    "{\"name\":\"rm\",\"weight\":1,\"external\":{\"via\":\"http\",\"url\":\"ftp://x/y\"}}"))
        .isInstanceOf(EventFormatException.class)
        .hasMessageContaining("'external'")
        .hasMessageContaining("url must be an absolute http(s) URL")
        .hasMessageContaining("ftp://x/y");
    assertThatThrownBy(
            () -> decode("{\"name\":\"rm\",\"weight\":1,\"external\":{\"via\":\"http\"}}"))
        .hasMessageContaining("url must be given for via http");
    assertThatThrownBy(
            () ->
                decode(
                    "{\"name\":\"j\",\"weight\":1,\"external\":{\"via\":\"topic\",\"timeoutMillis\":5}}"))
        .hasMessageContaining("timeoutMillis must be between 100 and 600000, was 5");
    assertThatThrownBy(
            () ->
                decode(
                    "{\"name\":\"j\",\"weight\":1,\"external\":{\"via\":\"topic\",\"url\":\"http://a/\"}}"))
        .hasMessageContaining("url is only allowed with via http");
    assertThatThrownBy(
            () ->
                decode(
                    "{\"name\":\"j\",\"weight\":1,\"external\":{\"via\":\"topic\",\"colour\":1}}"))
        .isInstanceOf(EventFormatException.class)
        .hasMessageContaining("unknown field 'colour' in ExternalPart");
    assertThatThrownBy(
            () -> decode("{\"name\":\"j\",\"weight\":1,\"external\":{\"via\":\"carrier-pigeon\"}}"))
        .isInstanceOf(EventFormatException.class)
        .hasMessageContaining("external.via");
  }

  @Test
  void theSchemaAgreesOnTheRules() throws Exception {
    var schema = Schemas.schema("prompt-task");
    JsonNode task = MAPPER.valueToTree(Examples.promptTask(2));
    assertThat(schema.validate(task)).isEmpty();
    for (String bad :
        List.of(
            "{\"via\":\"http\"}",
            "{\"via\":\"topic\",\"url\":\"http://a/\"}",
            "{\"via\":\"topic\",\"timeoutMillis\":5}",
            "{\"via\":\"topic\",\"onTimeout\":\"later\"}")) {
      var broken = task.deepCopy();
      ((com.fasterxml.jackson.databind.node.ObjectNode) broken.at("/rewardSpec/checkers/2"))
          .set("external", MAPPER.readTree(bad));
      assertThat(schema.validate(broken)).as(bad).isNotEmpty();
    }
  }

  @Test
  void aSpecListsItsPartsByWay() {
    var spec = Examples.rewardSpec();
    assertThat(spec.isBuiltInOnly()).isFalse();
    assertThat(spec.topicParts()).extracting(CheckerSpec::name).containsExactly("judge");
    assertThat(spec.httpParts()).extracting(CheckerSpec::name).containsExactly("rm");
  }
}
