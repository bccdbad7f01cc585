package dev.grpo.trainer.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import dev.grpo.contracts.DeadLetter;
import dev.grpo.contracts.Topics;
import dev.grpo.localinfra.KafkaTestResource;
import dev.grpo.localinfra.PostgresTestResource;
import dev.grpo.localinfra.SharedTestInfrastructure;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The console's wiring against the real broker and database: page, flow, stream, index. */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = false)
class ConsoleApiTest {
  @TestHTTPResource("/console/api/stream")
  URL stream;

  @Test
  void thePageIsServedAtConsole() {
    given().get("/console/").then().statusCode(200).body(containsString("GRPO console"));
    given().get("/console/console.js").then().statusCode(200).body(containsString("EventSource"));
  }

  @Test
  void aDeadLetterIsIndexedWithItsStageAndReasonAndTheBrokerIsSampled() throws Exception {
    var p = new Properties();
    p.put(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        SharedTestInfrastructure.kafka().bootstrapServers());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    try (var producer = new KafkaProducer<String, String>(p)) {
      var record = new ProducerRecord<>(Topics.DLQ, "console-test-g1", "{}");
      record
          .headers()
          .add(
              DeadLetter.Headers.STAGE,
              "rollout-service/generate".getBytes(StandardCharsets.UTF_8));
      record
          .headers()
          .add(
              DeadLetter.Headers.REASON,
              "no-policy: run x is unknown".getBytes(StandardCharsets.UTF_8));
      producer.send(record).get();
    }
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              List<Map<String, Object>> letters =
                  given()
                      .get("/console/api/deadletters")
                      .then()
                      .statusCode(200)
                      .extract()
                      .jsonPath()
                      .getList("");
              assertThat(letters)
                  .anySatisfy(
                      l -> {
                        assertThat(l).containsEntry("groupId", "console-test-g1");
                        assertThat(l).containsEntry("reason", "no-policy: run x is unknown");
                      });
              List<Map<String, Object>> byStage =
                  given()
                      .get("/console/api/flow")
                      .then()
                      .statusCode(200)
                      .extract()
                      .jsonPath()
                      .getList("deadLetters");
              assertThat(byStage)
                  .anySatisfy(
                      l -> {
                        assertThat(l).containsEntry("stage", "rollout-service/generate");
                        assertThat(l).containsEntry("reason", "no-policy");
                      });
              List<String> topics =
                  given()
                      .get("/console/api/flow")
                      .then()
                      .extract()
                      .jsonPath()
                      .getList("topics.topic");
              assertThat(topics).contains(Topics.PROMPTS, Topics.SCORED, Topics.DLQ, Topics.STEPS);
              given()
                  .get("/q/metrics")
                  .then()
                  .body(containsString("grpo_kafka_topic_end_offset{topic=\"grpo.dlq\"}"));
            });
  }

  @Test
  void theStreamSendsTheFlowAsServerSentEvents() throws Exception {
    var client = HttpClient.newHttpClient();
    var response =
        client.send(
            HttpRequest.newBuilder(URI.create(stream.toString()))
                .header("Accept", "text/event-stream")
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.headers().firstValue("content-type").orElse(""))
        .contains("text/event-stream");
    try (var in =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String line;
      int events = 0;
      while (events < 2 && (line = in.readLine()) != null) {
        if (line.startsWith("data:")) {
          assertThat(line).contains("\"topics\"").contains("\"runs\"");
          events++;
        }
      }
      assertThat(events).isEqualTo(2);
    }
  }
}
