package dev.grpo.reward.http;

import dev.grpo.contracts.CheckerSpec;
import dev.grpo.contracts.ExternalPart;
import dev.grpo.contracts.RolloutGroup;
import dev.grpo.reward.http.HttpScorerFormat.BadAnswer;
import dev.grpo.rewards.PartJoin.PartScores;
import io.smallrye.faulttolerance.api.Guard;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;

/**
 * Calls an HTTP scorer once per group (all completions in one request). Each endpoint has one
 * SmallRye Fault Tolerance guard: retries with exponential backoff on connection errors, HTTP 5xx
 * and 429 (not on 4xx or a malformed answer), a circuit breaker that stops calling an endpoint that
 * keeps failing, and a timeout; the part's {@code timeoutMillis} bounds all attempts together
 * (retry {@code maxDuration}, and each attempt's HTTP timeout is the time left).
 */
public final class HttpScorerClient {
  /** Retries after the first attempt. */
  public static final int MAX_RETRIES = 3;

  /** First backoff delay; doubled per retry, with jitter. */
  public static final long BACKOFF_MILLIS = 50;

  /** Longest backoff delay (and at most half the part's timeout). */
  public static final long MAX_BACKOFF_MILLIS = 1_000;

  /** Calls in the circuit breaker's rolling window, and the failure ratio that opens it. */
  public static final int BREAKER_WINDOW = 10;

  public static final double BREAKER_FAILURE_RATIO = 0.5;

  /** How long an open breaker refuses calls before it lets one through. */
  public static final long BREAKER_DELAY_MILLIS = 5_000;

  /** An answer worth another attempt (5xx, 429, connection trouble). */
  static final class RetryableFailure extends Exception {
    private static final long serialVersionUID = 1L;

    RetryableFailure(String message) {
      super(message);
    }
  }

  /** A refusal not worth repeating (4xx other than 429). */
  static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message);
    }
  }

  /** The scores, or why there are none. */
  public sealed interface Result {
    record Scored(PartScores scores) implements Result {}

    record Failed(String reason) implements Result {}
  }

  private final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(5))
          .version(HttpClient.Version.HTTP_1_1)
          .build();
  private final Map<String, Guard> guards = new ConcurrentHashMap<>();

  /**
   * Scores {@code group} with the HTTP part {@code part}. Never throws for the endpoint's faults.
   */
  public Result score(RolloutGroup group, CheckerSpec part) {
    ExternalPart ext = part.external();
    int n = group.completions().size();
    byte[] body = HttpScorerFormat.request(ext.format(), group, part.params());
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ext.timeoutMillis());
    try {
      PartScores scores = guard(ext).call(() -> attempt(ext, body, deadline, n), PartScores.class);
      return new Result.Scored(scores);
    } catch (BadAnswer e) {
      return new Result.Failed("malformed answer from " + ext.url() + ": " + e.getMessage());
    } catch (CircuitBreakerOpenException e) {
      return new Result.Failed(
          "circuit breaker open for "
              + ext.url()
              + " (it failed too often; retried after "
              + BREAKER_DELAY_MILLIS
              + " ms)");
    } catch (TimeoutException e) {
      return new Result.Failed(
          "timeout: no answer from " + ext.url() + " within " + ext.timeoutMillis() + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result.Failed("interrupted while calling " + ext.url());
    } catch (Exception e) {
      return new Result.Failed("failed after retries: " + e.getMessage() + " (" + ext.url() + ")");
    }
  }

  private PartScores attempt(ExternalPart ext, byte[] body, long deadline, int n) throws Exception {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      throw new TimeoutException("timeoutMillis " + ext.timeoutMillis() + " spent");
    }
    var request =
        HttpRequest.newBuilder(URI.create(ext.url()))
            .timeout(Duration.ofNanos(left))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    HttpResponse<byte[]> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (java.net.http.HttpTimeoutException e) {
      throw new TimeoutException("no answer within " + ext.timeoutMillis() + " ms");
    } catch (IOException e) {
      throw new RetryableFailure("connection failed: " + e);
    }
    int status = response.statusCode();
    if (status >= 500 || status == 429) {
      throw new RetryableFailure("HTTP " + status);
    }
    if (status < 200 || status >= 300) {
      throw new Refused("HTTP " + status);
    }
    return HttpScorerFormat.answer(ext.format(), response.body(), n);
  }

  private Guard guard(ExternalPart ext) {
    return guards.computeIfAbsent(
        ext.url() + " " + ext.timeoutMillis(),
        key ->
            Guard.create()
                .withDescription("http scorer " + key)
                .withRetry()
                .maxRetries(MAX_RETRIES)
                .delay(BACKOFF_MILLIS, ChronoUnit.MILLIS)
                .jitter(BACKOFF_MILLIS / 2, ChronoUnit.MILLIS)
                .withExponentialBackoff()
                .factor(2)
                .maxDelay(Math.min(MAX_BACKOFF_MILLIS, ext.timeoutMillis() / 2), ChronoUnit.MILLIS)
                .done()
                .maxDuration(ext.timeoutMillis(), ChronoUnit.MILLIS)
                .retryOn(List.of(RetryableFailure.class))
                .done()
                .withCircuitBreaker()
                .requestVolumeThreshold(BREAKER_WINDOW)
                .failureRatio(BREAKER_FAILURE_RATIO)
                .delay(BREAKER_DELAY_MILLIS, ChronoUnit.MILLIS)
                .skipOn(List.of(BadAnswer.class, Refused.class))
                .done()
                .withTimeout()
                .duration(ext.timeoutMillis(), ChronoUnit.MILLIS)
                .done()
                .build());
  }
}
