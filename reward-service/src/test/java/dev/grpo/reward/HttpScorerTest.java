package dev.grpo.reward;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.grpo.contracts.CheckerSpec;
import dev.grpo.contracts.ExternalPart;
import dev.grpo.contracts.ExternalPart.Format;
import dev.grpo.contracts.RewardSpec;
import dev.grpo.contracts.RolloutGroup;
import dev.grpo.localinfra.KafkaTestResource;
import dev.grpo.reward.http.HttpScorerClient;
import dev.grpo.reward.join.HttpParts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP scorers against a real local HTTP server: both formats, retries, the timeout over all
 * attempts, bad answers and the circuit breaker.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = false)
class HttpScorerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Inject HttpParts http;

  private HttpServer server;
  private final ConcurrentLinkedQueue<JsonNode> requests = new ConcurrentLinkedQueue<>();
  private final AtomicInteger calls = new AtomicInteger();
  private volatile Function<Integer, Object[]> answer; // call number -> {status, body, delayMillis}

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private void handle(HttpExchange ex) throws IOException {
    requests.add(JSON.readTree(ex.getRequestBody().readAllBytes()));
    Object[] a = answer.apply(calls.incrementAndGet());
    if (a.length > 2) {
      try {
        Thread.sleep((Integer) a[2]);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    byte[] body = ((String) a[1]).getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders((Integer) a[0], body.length);
    ex.getResponseBody().write(body);
    ex.close();
  }

  private String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  private CheckerSpec part(String path, Format format, long timeoutMillis) {
    return new CheckerSpec(
        "rm",
        1.0,
        Map.of("strict", true),
        ExternalPart.http(url(path), format, timeoutMillis, null));
  }

  private static RolloutGroup group(CheckerSpec part) {
    return Fixtures.group(
        "g-http",
        new RewardSpec(List.of(new CheckerSpec("math_equiv", 1.0, null), part)),
        "4",
        List.of(" 4", " 5"));
  }

  @Test
  void grpoFormatSendsTheGroupOnceAndReadsScoresAndReasons() {
    answer = n -> new Object[] {200, "{\"scores\":[1.0,0.25],\"reasons\":[\"ok\",\"meh\"]}"};
    var p = part("/grpo", Format.GRPO, 5_000);
    var out = http.score(group(p), p);
    assertThat(out).isInstanceOf(HttpScorerClient.Result.Scored.class);
    var scores = ((HttpScorerClient.Result.Scored) out).scores();
    assertThat(scores.scores()).containsExactly(1.0, 0.25);
    assertThat(scores.reasons()).containsExactly("ok", "meh");
    assertThat(calls).hasValue(1);
    var req = requests.peek();
    assertThat(req.get("completions").toString()).isEqualTo("[\" 4\",\" 5\"]");
    assertThat(req.get("verification").get("answer").asText()).isEqualTo("4");
    assertThat(req.get("params").get("strict").asBoolean()).isTrue();
    assertThat(req.get("groupId").asText()).isEqualTo("g-http");
  }

  @Test
  void openRlhfFormatSendsQueriesPromptsAndLabels() {
    answer = n -> new Object[] {200, "{\"rewards\":[0.5,-0.5],\"extra_logs\":{}}"};
    var p = part("/get_reward", Format.OPENRLHF, 5_000);
    var out = (HttpScorerClient.Result.Scored) http.score(group(p), p);
    assertThat(out.scores().scores()).containsExactly(0.5, -0.5);
    var req = requests.peek();
    assertThat(req.get("query").get(0).asText()).isEqualTo("What is 2 + 2? 4");
    assertThat(req.get("prompts").get(1).asText()).isEqualTo("What is 2 + 2?");
    assertThat(req.get("labels").toString()).isEqualTo("[\"4\",\"4\"]");
  }

  @Test
  void serverErrorsAreRetriedWithBackoff() {
    answer = n -> n <= 2 ? new Object[] {503, "busy"} : new Object[] {200, "{\"scores\":[1,1]}"};
    var p = part("/flaky", Format.GRPO, 5_000);
    assertThat(http.score(group(p), p)).isInstanceOf(HttpScorerClient.Result.Scored.class);
    assertThat(calls).hasValue(3);
  }

  @Test
  void badAnswersAndClientErrorsAreNotRetriedAndSayWhy() {
    answer = n -> new Object[] {200, "{\"scores\":[1]}"};
    var p = part("/short", Format.GRPO, 5_000);
    var out = (HttpScorerClient.Result.Failed) http.score(group(p), p);
    assertThat(out.reason())
        .startsWith("malformed answer from " + url("/short"))
        .endsWith("scores must hold one score per completion (2), was 1");
    assertThat(calls).hasValue(1);

    answer = n -> new Object[] {404, "no"};
    var q = part("/missing", Format.GRPO, 5_000);
    assertThat(((HttpScorerClient.Result.Failed) http.score(group(q), q)).reason())
        .contains("HTTP 404");
    assertThat(calls).hasValue(2);
  }

  @Test
  void timeoutMillisCoversEveryAttempt() {
    answer = n -> new Object[] {200, "{\"scores\":[1,1]}", 2_000};
    var p = part("/slow", Format.GRPO, 500);
    long start = System.nanoTime();
    var out = (HttpScorerClient.Result.Failed) http.score(group(p), p);
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(out.reason()).startsWith("timeout: no answer from");
    assertThat(millis).isLessThan(1_500);
  }

  @Test
  void aFailingEndpointOpensTheCircuitBreaker() {
    answer = n -> new Object[] {500, "down"};
    var p = part("/down", Format.GRPO, 2_000);
    String last = "";
    for (int i = 0; i < 6; i++) {
      last = ((HttpScorerClient.Result.Failed) http.score(group(p), p)).reason();
    }
    assertThat(last).startsWith("circuit breaker open for " + url("/down"));
  }
}
