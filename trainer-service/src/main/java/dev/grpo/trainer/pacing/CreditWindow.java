package dev.grpo.trainer.pacing;

import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The credit window of one run: at most {@code groupsPerStep x (maxStaleness + 1)} groups are in
 * flight (issued, and neither trained nor dropped yet). A group leaves the window when it is
 * trained or dropped, which frees a credit for a new (or replacement) prompt.
 *
 * <p>A group counts as in flight until it is trained, not merely received: with {@code maxStaleness
 * = 0} that makes the run synchronous on-policy (the next batch is issued only after the step that
 * consumed the previous one), and in general no issued group can be older than {@code maxStaleness}
 * versions by the time its batch is trained unless it waited in the broker.
 *
 * <p>Every group id is issued at most once over the window's life ({@link #issue} refuses a
 * repeat), including across a restart when the window is rebuilt with {@link #restore}. Not
 * thread-safe: one run controller owns it.
 */
public final class CreditWindow {
  private final int capacity;
  private final Set<String> inFlight = new LinkedHashSet<>();
  private final Set<String> everIssued = new HashSet<>();
  private long issued;
  private long trained;
  private long dropped;

  /**
   * @param groupsPerStep groups per training step, {@code >= 1}
   * @param maxStaleness versions a group may lag behind the trainer, {@code >= 0}
   */
  public CreditWindow(int groupsPerStep, int maxStaleness) {
    if (groupsPerStep < 1) {
      throw new IllegalArgumentException("groupsPerStep must be >= 1, was " + groupsPerStep);
    }
    if (maxStaleness < 0) {
      throw new IllegalArgumentException("maxStaleness must be >= 0, was " + maxStaleness);
    }
    this.capacity = Math.multiplyExact(groupsPerStep, maxStaleness + 1);
  }

  /** The most groups in flight at once. */
  public int capacity() {
    return capacity;
  }

  /** Groups that may be issued now; negative while a restored window is over its capacity. */
  public int credits() {
    return capacity - inFlight.size();
  }

  /** Groups issued and not yet trained or dropped. */
  public int inFlight() {
    return inFlight.size();
  }

  /** Whether {@code groupId} is in flight. */
  public boolean isInFlight(String groupId) {
    return inFlight.contains(groupId);
  }

  /** Total groups issued (including restored ones). */
  public long issuedCount() {
    return issued;
  }

  /** Total groups trained since this window was made. */
  public long trainedCount() {
    return trained;
  }

  /** Total groups dropped since this window was made. */
  public long droppedCount() {
    return dropped;
  }

  /**
   * Takes a credit for a new group.
   *
   * @throws IllegalStateException when no credit is left or the id was issued before
   */
  public void issue(String groupId) {
    if (everIssued.contains(groupId)) {
      throw new IllegalStateException(
          "group " + groupId + " was already issued; a group id is issued once");
    }
    if (credits() <= 0) {
      throw new IllegalStateException(
          "no credit left: " + inFlight.size() + " groups in flight, capacity " + capacity);
    }
    everIssued.add(groupId);
    inFlight.add(groupId);
    issued++;
  }

  /**
   * The group was trained: its credit returns. Returns false when it was not in flight (a
   * duplicate).
   */
  public boolean trained(String groupId) {
    if (inFlight.remove(groupId)) {
      trained++;
      return true;
    }
    return false;
  }

  /**
   * The group was dropped (stale, no signal, ...): its credit returns. Returns false when not in
   * flight.
   */
  public boolean dropped(String groupId) {
    if (inFlight.remove(groupId)) {
      dropped++;
      return true;
    }
    return false;
  }

  /**
   * Rebuilds the window after a restart: {@code inFlightIds} are the groups still issued and
   * undecided; {@code decidedIds} were trained or dropped and may never be issued again. The
   * in-flight groups may exceed the capacity: the rollback to the checkpoint returns the groups
   * trained after it to flight, next to those issued after them; {@link #credits} is then negative
   * and nothing is issued until they are trained again.
   */
  public void restore(Collection<String> inFlightIds, Collection<String> decidedIds) {
    if (!inFlight.isEmpty() || !everIssued.isEmpty()) {
      throw new IllegalStateException("restore must be called on a fresh window");
    }
    everIssued.addAll(decidedIds);
    for (String id : inFlightIds) {
      if (!everIssued.add(id)) {
        throw new IllegalStateException("group " + id + " is both in flight and decided");
      }
      inFlight.add(id);
    }
    issued = everIssued.size();
  }
}
