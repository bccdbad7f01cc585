package dev.grpo.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A client of the trainer service's runs API ({@code POST /runs}, {@code GET /runs/{id}}, {@code
 * /steps}, {@code /evals}, {@code /versions}, {@code POST /runs/{id}/stop}) on plain {@link
 * HttpClient}, answering Jackson trees so it does not depend on the trainer's classes.
 */
public final class TrainerClient {
  /** Default per-request limit; the trainer answers in milliseconds unless it is in trouble. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final Duration timeout;
  private final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(5))
          .version(HttpClient.Version.HTTP_1_1)
          .build();

  /**
   * @param base the trainer's base URI, e.g. {@code http://127.0.0.1:8080}
   */
  public TrainerClient(URI base) {
    this(base, DEFAULT_TIMEOUT);
  }

  /** As {@link #TrainerClient(URI)}, with a per-request time limit. */
  public TrainerClient(URI base, Duration timeout) {
    this.timeout = timeout;
    if (base == null || base.getScheme() == null || !base.getScheme().startsWith("http")) {
      throw new IllegalArgumentException(
          "trainer base URI must be http(s)://host:port, was " + base);
    }
    this.base = URI.create(base.toString().replaceAll("/+$", ""));
  }

  /** The base URI requests go to. */
  public URI base() {
    return base;
  }

  /**
   * Creates and starts a run; returns its id. A 4xx answer becomes an exception carrying the
   * trainer's message.
   */
  public String createRun(JsonNode config) throws IOException {
    JsonNode created =
        send(
            HttpRequest.newBuilder(base.resolve("/runs"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(config))),
            201);
    return created.path("id").asText();
  }

  /** Stops a run for good (groups still in flight are then counted as dropped on arrival). */
  public JsonNode stopRun(String runId) throws IOException {
    return send(
        HttpRequest.newBuilder(base.resolve("/runs/" + runId + "/stop"))
            .POST(HttpRequest.BodyPublishers.noBody()),
        200);
  }

  /** The run with status, progress and group accounting. */
  public JsonNode run(String runId) throws IOException {
    return get("/runs/" + runId);
  }

  /** Everything the report needs, read in one go. */
  public RunSnapshot snapshot(String runId) throws IOException {
    JsonNode run = run(runId);
    return new RunSnapshot(
        run,
        get("/runs/" + runId + "/steps"),
        get("/runs/" + runId + "/evals"),
        get("/runs/" + runId + "/versions"));
  }

  private JsonNode get(String path) throws IOException {
    return send(HttpRequest.newBuilder(base.resolve(path)).GET(), 200);
  }

  private JsonNode send(HttpRequest.Builder request, int expectedStatus) throws IOException {
    HttpRequest r = request.timeout(timeout).header("Accept", "application/json").build();
    HttpResponse<String> response;
    try {
      response = http.send(r, HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted during " + r.method() + " " + r.uri(), e);
    }
    if (response.statusCode() != expectedStatus) {
      throw new IOException(
          r.method()
              + " "
              + r.uri()
              + " answered "
              + response.statusCode()
              + " (expected "
              + expectedStatus
              + "): "
              + response.body());
    }
    return JSON.readTree(response.body());
  }
}
