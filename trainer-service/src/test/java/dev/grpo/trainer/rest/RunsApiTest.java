package dev.grpo.trainer.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.grpo.localinfra.KafkaTestResource;
import dev.grpo.localinfra.PostgresTestResource;
import dev.grpo.trainer.run.RunRules;
import dev.grpo.trainer.run.TestRuns;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** REST validation against the real app (real broker and database behind it). */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = false)
class RunsApiTest {

  private static void rejects(
      Consumer<Map<String, Object>> breakIt, String field, String value, String ruleFragment) {
    var c = TestRuns.tiny(2, 1);
    breakIt.accept(c);
    var r =
        given()
            .contentType(ContentType.JSON)
            .body(c)
            .post("/runs")
            .then()
            .statusCode(400)
            .body("field", equalTo(field))
            .body("rule", containsString(ruleFragment))
            .body("error", containsString(field));
    if (value != null) {
      r.body("value", equalTo(value));
    }
  }

  @Test
  void badConfigsAre400sNamingFieldValueAndRule() {
    rejects(c -> c.put("groupSize", 1), "groupSize", "1", "be between 2 and 256");
    rejects(c -> c.put("maxStaleness", 17), "maxStaleness", "17", "be between 0 and 16");
    rejects(c -> TestRuns.sub(c, "loss").put("epsLow", 1.5), "loss.epsLow", "1.5", "be in [0, 1)");
    rejects(
        c -> TestRuns.sub(c, "loss").put("variant", "ppo"),
        "loss.variant",
        "'ppo'",
        "grpo, bnpo, dapo, dr_grpo");
    rejects(
        c -> TestRuns.sub(c, "loss").put("correction", "tis"),
        "loss.correction",
        "'tis'",
        "none, token_truncate, token_mask, sequence_truncate, sequence_mask");
    rejects(
        c -> TestRuns.sub(c, "loss").put("delta", 1.1), "loss.delta", "1.1", "1 + loss.epsHigh");
    rejects(
        c -> TestRuns.sub(c, "optimizer").put("schedule", "linear"),
        "optimizer.schedule",
        "'linear'",
        "constant or cosine");
    rejects(
        c -> TestRuns.sub(c, "dataset").put("generator", "sudoku"),
        "dataset.generator",
        "'sudoku'",
        "be one of [addition, digit_max, digit_reverse]");
    rejects(c -> c.put("checkpointEvery", 5), "checkpointEvery", "5", "be between 1 and 2");
    rejects(
        c -> TestRuns.sub(c, "sampling").put("maxNewTokens", 40),
        "sampling.maxNewTokens",
        "40",
        "max_position_embeddings 32");
    rejects(
        c -> TestRuns.sub(c, "model").put("checkpoint", "/nonexistent"),
        "model",
        null,
        "exactly one of checkpoint and randomInit");
    rejects(
        c ->
            c.put("rewardSpec", Map.of("checkers", List.of(Map.of("name", "nope", "weight", 1.0)))),
        "rewardSpec.checkers[0].name",
        null,
        "valid reward spec");
    rejects(
        c -> TestRuns.sub(c, "dataset").put("params", Map.of("maxDigits", 99)),
        "dataset.params",
        null,
        "valid for digit_reverse");
  }

  @Test
  void wrongTypesAndUnknownFieldsAre400s() {
    var c = TestRuns.tiny(2, 1);
    c.put("groupSize", "eight");
    given()
        .contentType(ContentType.JSON)
        .body(c)
        .post("/runs")
        .then()
        .statusCode(400)
        .body("field", equalTo("groupSize"));
    var d = TestRuns.tiny(2, 1);
    TestRuns.sub(d, "optimizer").put("learningrate", 0.1);
    given()
        .contentType(ContentType.JSON)
        .body(d)
        .post("/runs")
        .then()
        .statusCode(400)
        .body("field", equalTo("optimizer.learningrate"))
        .body("rule", containsString("known field"));
    given()
        .contentType(ContentType.JSON)
        .body("{not json")
        .post("/runs")
        .then()
        .statusCode(400)
        .body("field", equalTo("$"))
        .body("message", containsString("JSON"));
  }

  @Test
  void numbersAreWholeAndInRangeAndEveryClientErrorHasFieldAndMessage() {
    for (Object steps : List.of(1.5, 1e12, 10_000_000_000L)) {
      var c = TestRuns.tiny(2, 1);
      c.put("steps", steps);
      given()
          .contentType(ContentType.JSON)
          .body(c)
          .post("/runs")
          .then()
          .statusCode(400)
          .body("field", equalTo("steps"))
          .body("message", containsString("whole number between 1 and 1000000"));
    }
    given()
        .contentType(ContentType.TEXT)
        .body("steps=1")
        .post("/runs")
        .then()
        .statusCode(415)
        .body("field", equalTo("Content-Type"))
        .body("message", containsString("must be application/json, was text/plain"));
    given()
        .get("/runs/does-not-exist")
        .then()
        .statusCode(404)
        .body("field", equalTo("id"))
        .body("message", containsString("does-not-exist"));
  }

  @Test
  void everyStateConflictNamesTheCurrentAndTheAllowedStates() {
    String id =
        given()
            .contentType(ContentType.JSON)
            .body(TestRuns.tiny(2, 1))
            .post("/runs")
            .then()
            .statusCode(201)
            .extract()
            .path("id");
    given()
        .post("/runs/" + id + "/resume")
        .then()
        .statusCode(409)
        .body("field", equalTo("status"))
        .body("value", equalTo("RUNNING"))
        .body("message", equalTo("run " + id + " is RUNNING; resume needs a run that is PAUSED"));
    given().post("/runs/" + id + "/stop").then().statusCode(200);
    given()
        .post("/runs/" + id + "/pause")
        .then()
        .statusCode(409)
        .body("value", equalTo("STOPPED"))
        .body("message", equalTo("run " + id + " is STOPPED; pause needs a run that is RUNNING"));
    given()
        .post("/runs/" + id + "/stop")
        .then()
        .statusCode(409)
        .body(
            "message",
            equalTo("run " + id + " is STOPPED; stop needs a run that is one of [RUNNING, PAUSED]"))
        .body("rule", equalTo("be one of [RUNNING, PAUSED]"));
  }

  @Test
  void unknownRunIs404AndOpenApiDocumentsTheApi() {
    given().get("/runs/does-not-exist").then().statusCode(404);
    given().post("/runs/does-not-exist/pause").then().statusCode(404);
    given()
        .get("/q/openapi")
        .then()
        .statusCode(200)
        .body(containsString("/runs/{id}/pause"))
        .body(containsString("/runs/{id}/versions"))
        .body(containsString("/runs/{id}/steps"));
  }

  @Test
  void theOpenApiDescriptionOfEachFieldIsItsRule() {
    given()
        .get("/q/openapi?format=json")
        .then()
        .statusCode(200)
        .body(
            "components.schemas.RunRequest.properties.groupSize.description",
            equalTo(RunRules.GROUP_SIZE.description()))
        .body(
            "components.schemas.LossSpec.properties.epsLow.description",
            equalTo("Lower clip range: ratio >= 1 - epsLow; [0, 1); default 0.2"))
        .body(
            "components.schemas.OptimizerSpec.properties.schedule.description",
            containsString("constant | cosine"));
  }
}
