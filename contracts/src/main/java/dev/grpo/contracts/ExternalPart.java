package dev.grpo.contracts;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * A reward part scored outside the reward service: by a separate service that publishes {@link
 * RewardPart}s to {@link Topics#REWARD_PARTS} ({@code via: topic}), or by an HTTP endpoint the
 * reward service calls once per group ({@code via: http}). The reward service waits at most {@code
 * timeoutMillis} for the part, then applies {@code onTimeout}.
 *
 * @param via where the part comes from
 * @param url the endpoint ({@code http} or {@code https}, absolute, with a host); required for
 *     {@code via: http}, not allowed for {@code via: topic}
 * @param format the HTTP request and answer format; only for {@code via: http}, optional, default
 *     {@code grpo}
 * @param timeoutMillis how long the reward service waits for the part (for HTTP: all retries
 *     together), {@value #MIN_TIMEOUT_MILLIS}..{@value #MAX_TIMEOUT_MILLIS}; optional, default
 *     {@value #DEFAULT_TIMEOUT_MILLIS}
 * @param onTimeout what a missing or bad part does to the group; optional, default {@code zero}
 */
public record ExternalPart(
    Via via,
    @OptionalField String url,
    @OptionalField Format format,
    @OptionalField Long timeoutMillis,
    @OptionalField OnTimeout onTimeout) {

  /** Below this a part service cannot answer even on a quiet broker. */
  public static final long MIN_TIMEOUT_MILLIS = 100;

  /** Above this a group holds its credit longer than any training step is worth waiting. */
  public static final long MAX_TIMEOUT_MILLIS = 600_000;

  /** The wait when the spec names none. */
  public static final long DEFAULT_TIMEOUT_MILLIS = 30_000;

  /** Where an external part comes from. */
  public enum Via {
    /** A service publishes {@link RewardPart}s to {@link Topics#REWARD_PARTS}. */
    @JsonProperty("topic")
    TOPIC,
    /** The reward service calls an HTTP endpoint once per group. */
    @JsonProperty("http")
    HTTP
  }

  /** The request and answer format of an HTTP scorer. */
  public enum Format {
    /** This platform's: prompt, completions, verification, params → scores (and reasons). */
    @JsonProperty("grpo")
    GRPO,
    /** OpenRLHF's remote reward model: {@code {query, prompts, labels} → {rewards}}. */
    @JsonProperty("openrlhf")
    OPENRLHF
  }

  /** What a missing (timed out) or bad part does to its group. */
  public enum OnTimeout {
    /** Every completion scores 0 for this part, reason says why; the group is still scored. */
    @JsonProperty("zero")
    ZERO,
    /** The group is dead-lettered with the reason; the trainer drops it and issues another. */
    @JsonProperty("drop")
    DROP
  }

  public ExternalPart {
    Require.nonNull("via", via);
    if (via == Via.HTTP) {
      url = httpUrl(url);
      format = format == null ? Format.GRPO : format;
    } else {
      if (url != null) {
        throw new IllegalArgumentException("url is only allowed with via http, was '" + url + "'");
      }
      if (format != null) {
        throw new IllegalArgumentException(
            "format is only allowed with via http, was " + format.name().toLowerCase());
      }
    }
    timeoutMillis = timeoutMillis == null ? DEFAULT_TIMEOUT_MILLIS : timeoutMillis;
    if (timeoutMillis < MIN_TIMEOUT_MILLIS || timeoutMillis > MAX_TIMEOUT_MILLIS) {
      throw new IllegalArgumentException(
          "timeoutMillis must be between "
              + MIN_TIMEOUT_MILLIS
              + " and "
              + MAX_TIMEOUT_MILLIS
              + ", was "
              + timeoutMillis);
    }
    onTimeout = onTimeout == null ? OnTimeout.ZERO : onTimeout;
  }

  /** A part published to {@link Topics#REWARD_PARTS} by a separate service. */
  public static ExternalPart topic(long timeoutMillis, OnTimeout onTimeout) {
    return new ExternalPart(Via.TOPIC, null, null, timeoutMillis, onTimeout);
  }

  /** A part scored by calling {@code url}. */
  public static ExternalPart http(
      String url, Format format, long timeoutMillis, OnTimeout onTimeout) {
    return new ExternalPart(Via.HTTP, url, format, timeoutMillis, onTimeout);
  }

  private static String httpUrl(String url) {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("url must be given for via http, was missing");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "url must be an absolute http(s) URL, was '" + url + "' (" + e.getReason() + ")");
    }
    String scheme = uri.getScheme();
    if (scheme == null
        || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
        || uri.getHost() == null
        || uri.getRawFragment() != null) {
      throw new IllegalArgumentException(
          "url must be an absolute http(s) URL with a host and no fragment, was '" + url + "'");
    }
    return url;
  }
}
