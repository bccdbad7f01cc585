package dev.grpo.trainer.pacing;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which consumed offsets of {@code grpo.scored} may be committed. An offset is safe once the fate
 * of its record is durable: dropped or skipped (written to the database), or trained in a step that
 * a saved checkpoint already contains. The committable position of a partition is the lowest offset
 * that is not yet safe (or one past the highest offset seen): everything before it will never need
 * to be read again.
 *
 * <p>Records are tracked by the group they carry, so a group delivered twice (a redelivery after a
 * rebalance) becomes safe with the first copy. Partitions are opaque keys (e.g. {@code
 * TopicPartition}). Not thread-safe: the consuming thread owns it.
 *
 * @param <P> the partition key type
 */
public final class OffsetLedger<P> {
  private final Map<P, NavigableMap<Long, String>> pending = new HashMap<>();
  private final Map<P, Long> highest = new HashMap<>();
  private final Map<P, Long> lastCommitted = new HashMap<>();
  private final Set<String> safeGroups = new HashSet<>();

  /**
   * A record at {@code offset} carrying {@code groupId} was polled; it is pending until marked
   * safe.
   */
  public void received(P partition, long offset, String groupId) {
    highest.merge(partition, offset, Math::max);
    if (!safeGroups.contains(groupId)) {
      pending.computeIfAbsent(partition, p -> new TreeMap<>()).put(offset, groupId);
    }
  }

  /** A record without a usable group (undecodable, dead-lettered) is safe at once. */
  public void receivedSafe(P partition, long offset) {
    highest.merge(partition, offset, Math::max);
  }

  /** Every record of {@code groupId}, seen or still to come, is safe. */
  public void safe(String groupId) {
    safeGroups.add(groupId);
    for (var offsets : pending.values()) {
      offsets.values().removeIf(groupId::equals);
    }
  }

  /** Records polled and not yet safe, over all partitions. */
  public int pendingCount() {
    return pending.values().stream().mapToInt(Map::size).sum();
  }

  /**
   * The positions to commit (the next offset to read per partition) that moved since the last call
   * to {@link #markCommitted}; empty when nothing moved.
   */
  public Map<P, Long> committable() {
    Map<P, Long> out = new HashMap<>();
    for (var e : highest.entrySet()) {
      P p = e.getKey();
      var offsets = pending.get(p);
      long position = offsets == null || offsets.isEmpty() ? e.getValue() + 1 : offsets.firstKey();
      Long last = lastCommitted.get(p);
      if (last == null || position > last) {
        out.put(p, position);
      }
    }
    return out;
  }

  /** The positions were committed to the broker. */
  public void markCommitted(Map<P, Long> positions) {
    positions.forEach((p, pos) -> lastCommitted.merge(p, pos, Math::max));
  }

  /**
   * Forgets a partition (revoked in a rebalance): its uncommitted records will be read again
   * elsewhere.
   */
  public void forget(P partition) {
    pending.remove(partition);
    highest.remove(partition);
    lastCommitted.remove(partition);
  }
}
