package dev.grpo.rollout.service;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Which offset of each partition may be committed when records finish out of order: a batch can
 * finish (or a dead letter be written) for a later offset while an earlier task still generates,
 * and committing past that earlier task would lose it in a crash. The committable offset of a
 * partition is the smallest offset still in flight, or one past the highest offset seen when none
 * is.
 *
 * <p>Not thread-safe: the consumer's poll thread owns it.
 *
 * @param <P> partition identifier
 */
public final class OffsetTracker<P> {
  private static final class State {
    final TreeSet<Long> inFlight = new TreeSet<>();
    long highestSeen = -1;
    long committed = -1;
  }

  private final Map<P, State> partitions = new HashMap<>();

  /** A record was taken and is now in flight. */
  public void taken(P partition, long offset) {
    State s = partitions.computeIfAbsent(partition, p -> new State());
    s.inFlight.add(offset);
    s.highestSeen = Math.max(s.highestSeen, offset);
  }

  /**
   * A record is done (published or dead-lettered); unknown partitions (revoked meanwhile) are
   * ignored.
   */
  public void done(P partition, long offset) {
    State s = partitions.get(partition);
    if (s != null) {
      s.inFlight.remove(offset);
    }
  }

  /**
   * Offsets to commit now (next offset to read per partition), only those that moved since the last
   * call.
   */
  public Map<P, Long> takeCommittable() {
    Map<P, Long> out = new HashMap<>();
    for (var e : partitions.entrySet()) {
      State s = e.getValue();
      if (s.highestSeen < 0) {
        continue;
      }
      long next = s.inFlight.isEmpty() ? s.highestSeen + 1 : s.inFlight.first();
      if (next > s.committed) {
        out.put(e.getKey(), next);
        s.committed = next;
      }
    }
    return out;
  }

  /** Records in flight over all partitions. */
  public int inFlight() {
    return partitions.values().stream().mapToInt(s -> s.inFlight.size()).sum();
  }

  /** Forgets a partition (revoked: its records will be processed by another member). */
  public void forget(P partition) {
    partitions.remove(partition);
  }
}
