package dev.grpo.contracts;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The {@code grpo-producer} record header: the instance that produced a record (a trainer,
 * rollout-worker, reward or part-service instance id). The trainer's record index keeps it, so the
 * console's lineage names, for example, the reward instance that scored a group. Optional: a record
 * without it (an older producer, a part service that does not set it) is simply not attributed.
 */
public final class ProducerHeader {
  /** The header's name. */
  public static final String NAME = "grpo-producer";

  /** Longest instance id kept, in chars; ids are host names or configured ids. */
  public static final int MAX_CHARS = 200;

  private ProducerHeader() {}

  /**
   * Sets the header to {@code instanceId} (cut to {@link #MAX_CHARS}), replacing one already there:
   * a record names the instance that wrote it, not the one it was derived from. Returns {@code
   * headers}.
   */
  public static Headers set(Headers headers, String instanceId) {
    headers.remove(NAME);
    if (instanceId != null && !instanceId.isBlank()) {
      String id = instanceId.length() > MAX_CHARS ? instanceId.substring(0, MAX_CHARS) : instanceId;
      headers.add(NAME, id.getBytes(StandardCharsets.UTF_8));
    }
    return headers;
  }

  /** The producing instance a record names, if any. */
  public static Optional<String> of(Headers headers) {
    Header h = headers == null ? null : headers.lastHeader(NAME);
    if (h == null || h.value() == null || h.value().length == 0) {
      return Optional.empty();
    }
    return Optional.of(new String(h.value(), StandardCharsets.UTF_8));
  }
}
