package dev.grpo.trainer.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grpo.policy.train.StepMetrics;
import dev.grpo.policy.train.TrainingGroup;
import dev.grpo.trainer.worker.WorkerException.Kind;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Protocol {@value WorkerProtocol#VERSION} spoken to rank 0 of a worker group. Every operation has
 * its own timeout ({@link Timeouts}); a failure is a {@link WorkerException} whose kind says
 * whether the worker is unreachable, speaks another version, refused the command, or lost a rank.
 */
public final class WorkerClient {

  /** How long each operation may take. */
  public record Timeouts(
      Duration health, Duration load, Duration step, Duration save, Duration shutdown) {
    /** Health 5 s, load 5 min, step 10 min, save 5 min, shutdown 10 s. */
    public static Timeouts defaults() {
      return new Timeouts(
          Duration.ofSeconds(5),
          Duration.ofMinutes(5),
          Duration.ofMinutes(10),
          Duration.ofMinutes(5),
          Duration.ofSeconds(10));
    }
  }

  private static final String FRAME = "application/x-grpo-frame";
  private static final String JSON_TYPE = "application/json";

  private final URI root;
  private final Timeouts timeouts;
  private final HttpClient http;

  public WorkerClient(URI root, Timeouts timeouts) {
    this.root = root;
    this.timeouts = timeouts;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(timeouts.health())
            .build();
  }

  /** Where rank 0 listens. */
  public URI root() {
    return root;
  }

  /**
   * Rank 0's health ({@code protocol}, {@code worldSize}, {@code torch}, {@code loaded}, {@code
   * step}).
   *
   * @throws WorkerException {@link Kind#PROTOCOL} when it speaks another version
   */
  public JsonNode health() {
    JsonNode h =
        send(
            "health",
            HttpRequest.newBuilder(root.resolve("/health")).GET().timeout(timeouts.health()));
    String spoken = h.path("protocol").asText("");
    if (!WorkerProtocol.VERSION.equals(spoken)) {
      throw new WorkerException(
          Kind.PROTOCOL,
          "protocol mismatch: the worker at "
              + root
              + " speaks '"
              + spoken
              + "', this trainer speaks '"
              + WorkerProtocol.VERSION
              + "'");
    }
    return h;
  }

  /** Loads a run: the checkpoint, the trainer configuration, optionally a state to resume. */
  public JsonNode load(ObjectNode header) {
    return post("load", header, timeouts.load());
  }

  /** One GRPO step on {@code groups}. */
  public StepMetrics step(List<TrainingGroup> groups) {
    JsonNode r =
        send(
            "step",
            request("step", timeouts.step())
                .header("Content-Type", FRAME)
                .POST(HttpRequest.BodyPublishers.ofByteArray(WorkerProtocol.stepBody(groups))));
    return WorkerProtocol.metrics(r.path("metrics"));
  }

  /** Writes weights, optimizer and trainer state into the existing directory {@code dir}. */
  public void save(Path dir) {
    ObjectNode h = WorkerProtocol.json().createObjectNode();
    h.put("dir", dir.toAbsolutePath().toString());
    post("save", h, timeouts.save());
  }

  /** Asks every rank to exit; errors are ignored (the launcher kills what is left). */
  public void shutdown() {
    try {
      post("shutdown", WorkerProtocol.json().createObjectNode(), timeouts.shutdown());
    } catch (WorkerException ignored) {
      // best effort
    }
  }

  private JsonNode post(String op, ObjectNode body, Duration timeout) {
    try {
      byte[] bytes = WorkerProtocol.json().writeValueAsBytes(body);
      return send(
          op,
          request(op, timeout)
              .header("Content-Type", JSON_TYPE)
              .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private HttpRequest.Builder request(String op, Duration timeout) {
    return HttpRequest.newBuilder(root.resolve("/" + WorkerProtocol.VERSION + "/" + op))
        .header(WorkerProtocol.HEADER, WorkerProtocol.VERSION)
        .timeout(timeout);
  }

  private JsonNode send(String op, HttpRequest.Builder builder) {
    HttpResponse<byte[]> r;
    try {
      r = http.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (HttpTimeoutException e) {
      throw new WorkerException(
          Kind.UNREACHABLE, "worker " + op + " at " + root + " timed out: " + e.getMessage(), e);
    } catch (ConnectException e) {
      throw new WorkerException(
          Kind.UNREACHABLE,
          "worker at " + root + " is unreachable (" + op + "): connection refused",
          e);
    } catch (IOException e) {
      throw new WorkerException(
          Kind.UNREACHABLE, "worker at " + root + " is unreachable (" + op + "): " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new WorkerException(Kind.UNREACHABLE, "interrupted during worker " + op, e);
    }
    JsonNode body;
    try {
      body = WorkerProtocol.json().readTree(r.body());
    } catch (IOException e) {
      throw new WorkerException(
          Kind.PROTOCOL,
          "worker at " + root + " answered " + op + " with HTTP " + r.statusCode() + " and no JSON",
          e);
    }
    String error = body.path("error").asText("");
    return switch (r.statusCode()) {
      case 200 -> body;
      case 409 -> throw new WorkerException(Kind.PROTOCOL, error);
      case 404 ->
          throw new WorkerException(
              Kind.PROTOCOL,
              "worker at "
                  + root
                  + " does not know "
                  + op
                  + " of "
                  + WorkerProtocol.VERSION
                  + " (it speaks '"
                  + body.path("protocol").asText("?")
                  + "'): "
                  + error);
      case 503 -> throw new WorkerException(Kind.GROUP_BROKEN, "worker group broken: " + error);
      default ->
          throw new WorkerException(
              Kind.REJECTED, "worker " + op + " failed (HTTP " + r.statusCode() + "): " + error);
    };
  }
}
