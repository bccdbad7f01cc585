package dev.grpo.reward.messaging;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

import dev.grpo.contracts.TransactionalIds;
import dev.grpo.localinfra.KafkaTestResource;
import dev.grpo.localinfra.SharedTestInfrastructure;
import dev.grpo.reward.FailOnceProbe;
import dev.grpo.reward.Fixtures;
import dev.grpo.reward.KafkaFixture;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Liveness tells the truth when the Kafka scoring loop dies: a batch failing with a fenced
 * producer's error (injected in its transaction by the test probe) makes /q/health/live DOWN with
 * the reason. The death is cleared afterwards, since the test application is shared.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = false)
class ScoringLoopLivenessTest {
  @Inject ScoringLoopState state;

  @Test
  void aFencedProducerIsLivenessDownWithTheReason() {
    var kafka = new KafkaFixture(SharedTestInfrastructure.kafka().bootstrapServers());
    kafka.createTopics();
    given()
        .get("/q/health/live")
        .then()
        .statusCode(200)
        .body(containsString("reward-scoring-loop"));
    String id = "fenced-" + UUID.randomUUID();
    FailOnceProbe.fencedGroup.set(id);
    try {
      kafka.sendEvents(List.of(Map.entry(id, Fixtures.mathGroup(id))));
      await().atMost(Duration.ofSeconds(30)).until(() -> state.deathReason() != null);
      given()
          .get("/q/health/live")
          .then()
          .statusCode(503)
          .body(containsString("the scoring loop died"))
          .body(containsString("ProducerFencedException"))
          .body(containsString("injected by ScoringLoopLivenessTest"));
    } finally {
      FailOnceProbe.fencedGroup.set(null);
      state.revive();
    }
    given().get("/q/health/live").then().statusCode(200);
  }

  /** The service's transactional.id follows the one rule in contracts. */
  @Test
  void theTransactionalIdFollowsTheContractRule() throws Exception {
    var props = new Properties();
    try (var in = Files.newInputStream(Path.of("src/main/resources/application.properties"))) {
      props.load(in);
    }
    String placeholder = "${grpo.reward.instance-id}";
    org.assertj.core.api.Assertions.assertThat(
            props.getProperty("mp.messaging.outgoing.scored-out.transactional.id"))
        .isEqualTo(TransactionalIds.of(TransactionalIds.REWARD, "X").replace("X", placeholder));
  }
}
