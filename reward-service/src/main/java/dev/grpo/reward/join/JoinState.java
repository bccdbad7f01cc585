package dev.grpo.reward.join;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the join knows about one group, the value of the {@code join-groups} store (the rollout's
 * bytes live in {@code join-rollouts}, written once). Three phases: parts arrived but the group not
 * yet read ({@code rolloutSeenMillis == null}); waiting for parts; emitted ({@code emittedMillis !=
 * null}, kept for {@code unknown-group-wait-millis} so that a later part counts as late).
 *
 * @param firstSeenMillis when the first record of the group (part or rollout) arrived
 * @param rolloutSeenMillis when the rollout group arrived, or null
 * @param rollout where the rollout record came from, or null
 * @param parts the parts kept so far, by checker name
 * @param emittedMillis when the group was scored or dead-lettered, or null
 * @param ownParts names of the parts this service scored itself (HTTP) and published to {@code
 *     grpo.reward-parts}; reading them back is not a duplicate or a late part
 * @param trace the W3C trace headers the rollout record carried (empty if none), so that a group
 *     emitted later, by a part or a timeout, still continues its trace
 */
record JoinState(
    long firstSeenMillis,
    Long rolloutSeenMillis,
    Coordinates rollout,
    Map<String, StoredPart> parts,
    Long emittedMillis,
    List<String> ownParts,
    Map<String, String> trace) {

  private static final ObjectMapper JSON = JsonMapper.builder().build();

  JoinState {
    parts = parts == null ? new LinkedHashMap<>() : new LinkedHashMap<>(parts);
    ownParts = ownParts == null ? List.of() : List.copyOf(ownParts);
    trace = trace == null ? Map.of() : Map.copyOf(trace);
  }

  /** Where a consumed record came from. */
  record Coordinates(String topic, int partition, long offset) {}

  /** One part as consumed: its raw bytes (decoded again when used) and where it came from. */
  record StoredPart(Coordinates from, byte[] value) {}

  static JoinState firstPart(long now) {
    return new JoinState(now, null, null, Map.of(), null, List.of(), Map.of());
  }

  boolean emitted() {
    return emittedMillis != null;
  }

  boolean rolloutSeen() {
    return rolloutSeenMillis != null;
  }

  JoinState withRollout(
      long now, Coordinates from, List<String> ownParts, Map<String, String> trace) {
    return new JoinState(firstSeenMillis, now, from, parts, null, ownParts, trace);
  }

  JoinState withPart(String checker, StoredPart part) {
    var copy = new LinkedHashMap<>(parts);
    copy.put(checker, part);
    return new JoinState(firstSeenMillis, rolloutSeenMillis, rollout, copy, null, ownParts, trace);
  }

  JoinState withoutPart(String checker) {
    var copy = new LinkedHashMap<>(parts);
    copy.remove(checker);
    return new JoinState(
        firstSeenMillis, rolloutSeenMillis, rollout, copy, emittedMillis, ownParts, trace);
  }

  /** Emitted: the parts are dropped (their scores are in the output), the time is kept. */
  JoinState emittedAt(long now) {
    return new JoinState(
        firstSeenMillis, rolloutSeenMillis, rollout, Map.of(), now, ownParts, trace);
  }

  byte[] toBytes() {
    try {
      return JSON.writeValueAsBytes(this);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JoinState fromBytes(byte[] bytes) {
    try {
      return JSON.readValue(bytes, JoinState.class);
    } catch (IOException e) {
      throw new UncheckedIOException("join-groups holds an unreadable state", e);
    }
  }
}
