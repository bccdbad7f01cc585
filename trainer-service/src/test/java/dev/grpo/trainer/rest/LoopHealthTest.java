package dev.grpo.trainer.rest;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

import dev.grpo.localinfra.KafkaTestResource;
import dev.grpo.localinfra.PostgresTestResource;
import dev.grpo.trainer.messaging.TrainerLoop;
import dev.grpo.trainer.run.TestRuns;
import dev.grpo.trainer.service.FaultInjector.SimulatedCrash;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Liveness and POST /runs tell the truth when the training loop dies (real broker and database).
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = false)
class LoopHealthTest {
  @Inject TrainerLoop loop;

  @Test
  void aDeadLoopIsLivenessDownWithItsReasonAndNewRunsAre503() {
    await().atMost(Duration.ofSeconds(30)).until(loop::isRunning);
    given().get("/q/health/live").then().statusCode(200).body(containsString("trainer-loop"));
    try {
      loop.submit(
          runs -> {
            throw new SimulatedCrash("injected by LoopHealthTest");
          });
      await().atMost(Duration.ofSeconds(30)).until(() -> !loop.isRunning());

      given()
          .get("/q/health/live")
          .then()
          .statusCode(503)
          .body(containsString("the training loop died"))
          .body(containsString("injected by LoopHealthTest"));
      given().get("/q/health/ready").then().statusCode(503);
      given()
          .contentType(ContentType.JSON)
          .body(TestRuns.tiny(2, 1))
          .post("/runs")
          .then()
          .statusCode(503)
          .body("status", org.hamcrest.Matchers.equalTo(503))
          .body("error", containsString("injected by LoopHealthTest"));
    } finally {
      loop.start();
    }
    await().atMost(Duration.ofSeconds(30)).until(loop::isRunning);
    given().get("/q/health/live").then().statusCode(200);
  }
}
