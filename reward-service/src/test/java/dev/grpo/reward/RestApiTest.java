package dev.grpo.reward;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.closeTo;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.startsWith;

import dev.grpo.localinfra.KafkaTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

/** POST /score, GET /checkers, OpenAPI and metrics over real HTTP. */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = false)
class RestApiTest {
  static {
    // Compare totals as doubles, not as the floats rest-assured reads JSON numbers into by default.
    io.restassured.RestAssured.config =
        io.restassured.RestAssured.config()
            .jsonConfig(
                io.restassured.config.JsonConfig.jsonConfig()
                    .numberReturnType(
                        io.restassured.path.json.config.JsonPathConfig.NumberReturnType.DOUBLE));
  }

  private static final String GOOD =
      """
      {"prompt": "What is 2 + 2?",
       "completions": ["<think>easy</think><answer>\\\\boxed{4}</answer>", "\\\\boxed{5}"],
       "rewardSpec": {"checkers": [
          {"name": "math_equiv", "weight": 1.0},
          {"name": "r1_format", "weight": 0.5},
          {"name": "test_contains_word", "weight": 2.0, "params": {"word": "easy"}}]},
       "verification": {"answer": "4"}}
      """;

  @Test
  void scoresCompletionsWithTheGroupScorer() {
    given()
        .contentType(ContentType.JSON)
        .body(GOOD)
        .when()
        .post("/score")
        .then()
        .log()
        .ifValidationFails()
        .statusCode(200)
        .body("scores.size()", equalTo(2))
        .body("scores[0].index", equalTo(0))
        .body("scores[0].total", closeTo(3.5, 1e-12))
        .body("scores[0].components.math_equiv", closeTo(1.0, 1e-12))
        .body("scores[0].components.test_contains_word", closeTo(1.0, 1e-12))
        .body("scores[0].reasons.test_contains_word", equalTo("contains 'easy'"))
        .body("scores[1].total", closeTo(0.0, 1e-12))
        .body("scores[1].reasons.math_equiv", org.hamcrest.Matchers.notNullValue());
  }

  @Test
  void unknownCheckerIs400NamingTheField() {
    given()
        .contentType(ContentType.JSON)
        .body(
            """
            {"completions": ["x"], "rewardSpec": {"checkers": [{"name": "foo", "weight": 1}]}}\
            """)
        .when()
        .post("/score")
        .then()
        .statusCode(400)
        .body("field", equalTo("rewardSpec.checkers[0].name"))
        .body("message", startsWith("rewardSpec.checkers[0].name must be a known checker"))
        .body("message", containsString("math_equiv"))
        .body("message", containsString("\"foo\""));
  }

  @Test
  void badParameterIs400NamingTheParameter() {
    given()
        .contentType(ContentType.JSON)
        .body(
            """
            {"completions": ["x"], "rewardSpec": {"checkers": [
              {"name": "test_contains_word", "weight": 1, "params": {"word": 3}}]}}\
            """)
        .when()
        .post("/score")
        .then()
        .statusCode(400)
        .body("field", equalTo("rewardSpec.checkers[0].params.word"))
        .body("message", equalTo("rewardSpec.checkers[0].params.word must be a string, was 3"));
  }

  @Test
  void missingRequiredParameterAndBadWeightsAre400() {
    given()
        .contentType(ContentType.JSON)
        .body(
            """
            {"completions": ["x"], "rewardSpec": {"checkers": [{"name": "test_contains_word", "weight": 1}]}}\
            """)
        .when()
        .post("/score")
        .then()
        .statusCode(400)
        .body("field", equalTo("rewardSpec.checkers[0].params.word"));
    given()
        .contentType(ContentType.JSON)
        .body(
            """
            {"completions": ["x"], "rewardSpec": {"checkers": [{"name": "r1_format", "weight": -1}]}}\
            """)
        .when()
        .post("/score")
        .then()
        .statusCode(400)
        .body("field", equalTo("rewardSpec.checkers"))
        .body("message", containsString("weights must sum to more than 0, was -1.0"));
  }

  @Test
  void malformedBodiesAre400NamingTheField() {
    given()
        .contentType(ContentType.JSON)
        .body("{\"completions\": [\"x\"], \"rewardSpec\": {\"checkers\": []}}")
        .when()
        .post("/score")
        .then()
        .statusCode(400)
        .body("field", equalTo("rewardSpec"))
        .body("message", containsString("checkers must name at least one checker"));
    given()
        .contentType(ContentType.JSON)
        .body(
            "{\"completions\": [\"x\"], \"rewardSpec\": {\"checkers\": [{\"name\": \"r1_format\","
                + " \"weight\": \"heavy\"}]}}")
        .when()
        .post("/score")
        .then()
        .statusCode(400)
        .body("field", equalTo("rewardSpec.checkers[0].weight"));
    given()
        .contentType(ContentType.JSON)
        .body(
            "{\"completions\": [\"x\"], \"rewardSpec\": {\"checkers\": [{\"name\": \"r1_format\","
                + " \"weight\": 1}]}, \"extra\": 1}")
        .when()
        .post("/score")
        .then()
        .statusCode(400)
        .body("field", equalTo("extra"))
        .body("message", containsString("unknown field 'extra'"));
    given()
        .contentType(ContentType.JSON)
        .body("{\"rewardSpec\": {\"checkers\": [{\"name\": \"r1_format\", \"weight\": 1}]}}")
        .when()
        .post("/score")
        .then()
        .statusCode(400)
        .body("field", equalTo("completions"))
        .body("message", equalTo("completions must be given, was missing"));
    given()
        .contentType(ContentType.JSON)
        .body(
            "{\"completions\": [], \"rewardSpec\": {\"checkers\": [{\"name\": \"r1_format\","
                + " \"weight\": 1}]}}")
        .when()
        .post("/score")
        .then()
        .statusCode(400)
        .body("message", equalTo("completions must hold 1 to 256 texts, was 0"));
    given()
        .contentType(ContentType.JSON)
        .body("{\"completions\": [\"x\"]")
        .when()
        .post("/score")
        .then()
        .statusCode(400)
        .body("field", equalTo("$"))
        .body("message", containsString("malformed JSON"));
  }

  @Test
  void listsBuiltInServiceLoaderAndCdiCheckers() {
    given()
        .when()
        .get("/checkers")
        .then()
        .statusCode(200)
        .body(
            "name",
            hasItems(
                "exact_match",
                "numeric",
                "math_equiv",
                "gsm8k",
                "r1_format",
                "tag_count",
                "countdown",
                "overlong",
                "repetition",
                "length",
                "json_schema",
                "code_tests",
                "test_contains_word"))
        .body("find { it.name == 'test_contains_word' }.params[0].name", equalTo("word"))
        .body("find { it.name == 'test_contains_word' }.params[0].required", equalTo(true))
        .body("find { it.name == 'test_contains_word' }.params[0].type", equalTo("STRING"));
  }

  @Test
  void endpointsAreInOpenApiAndMetricsAreExported() {
    given()
        .when()
        .get("/q/openapi?format=json")
        .then()
        .statusCode(200)
        .body(
            "paths.'/score'.post.requestBody.content.'application/json'.schema.'$ref'",
            containsString("ScoreRequest"))
        .body(
            "paths.'/score'.post.responses.'400'.content.'application/json'.schema.'$ref'",
            containsString("ApiError"))
        .body("paths.'/checkers'.get.responses.'200'", org.hamcrest.Matchers.notNullValue());
    given().contentType(ContentType.JSON).body(GOOD).when().post("/score").then().statusCode(200);
    given()
        .when()
        .get("/q/metrics")
        .then()
        .statusCode(200)
        .body(containsString("grpo_reward_completions_scored_total{source=\"rest\"}"))
        .body(containsString("grpo_reward_checker_latency_seconds_bucket{checker=\"math_equiv\""))
        .body(
            containsString(
                "grpo_reward_checker_score_tenths_total{bucket=\"1.0\",checker=\"r1_format\"}"));
  }
}
