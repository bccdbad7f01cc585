package dev.grpo.rollout.service;

import dev.grpo.contracts.SamplingParams;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * Tasks waiting for generation, in arrival order, handed out in batches of tasks that can share one
 * sampler call (same run and the same sampling parameters apart from the seed). The bound on held
 * tasks is enforced by the consumer, which pauses before this queue could grow past it.
 */
public final class TaskQueue {
  private final LinkedList<HeldTask> tasks = new LinkedList<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();

  /** Adds a task. */
  public void add(HeldTask t) {
    lock.lock();
    try {
      tasks.add(t);
      notEmpty.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Tasks waiting. */
  public int size() {
    lock.lock();
    try {
      return tasks.size();
    } finally {
      lock.unlock();
    }
  }

  /** Removes the waiting tasks that match (e.g. of revoked partitions) and returns them. */
  public List<HeldTask> removeIf(Predicate<HeldTask> p) {
    lock.lock();
    try {
      List<HeldTask> removed = new ArrayList<>();
      for (Iterator<HeldTask> it = tasks.iterator(); it.hasNext(); ) {
        HeldTask t = it.next();
        if (p.test(t)) {
          removed.add(t);
          it.remove();
        }
      }
      return removed;
    } finally {
      lock.unlock();
    }
  }

  /**
   * The next batch: the oldest task plus later compatible ones, up to {@code maxTasks} tasks and
   * {@code maxRows} sequences (the oldest task always goes, even when larger). Waits up to {@code
   * waitMillis} for a first task and then up to {@code lingerMillis} for the batch to fill.
   *
   * @return an empty list when no task arrived in time
   */
  public List<HeldTask> takeBatch(int maxTasks, int maxRows, long waitMillis, long lingerMillis)
      throws InterruptedException {
    lock.lock();
    try {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
      while (tasks.isEmpty()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return List.of();
        }
        notEmpty.awaitNanos(left);
      }
      long fillDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(lingerMillis);
      while (compatibleCount(maxTasks, maxRows) < maxTasks) {
        long left = fillDeadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        notEmpty.awaitNanos(left);
      }
      List<HeldTask> batch = new ArrayList<>();
      HeldTask head = tasks.removeFirst();
      batch.add(head);
      int rows = head.task().groupSize();
      for (Iterator<HeldTask> it = tasks.iterator(); it.hasNext() && batch.size() < maxTasks; ) {
        HeldTask t = it.next();
        if (compatible(head, t) && rows + t.task().groupSize() <= maxRows) {
          batch.add(t);
          rows += t.task().groupSize();
          it.remove();
        }
      }
      return batch;
    } finally {
      lock.unlock();
    }
  }

  private int compatibleCount(int maxTasks, int maxRows) {
    HeldTask head = tasks.getFirst();
    int n = 1;
    int rows = head.task().groupSize();
    for (HeldTask t : tasks.subList(1, tasks.size())) {
      if (compatible(head, t) && rows + t.task().groupSize() <= maxRows) {
        n++;
        rows += t.task().groupSize();
      }
    }
    // A head that alone fills the rows cannot grow: report the batch full.
    return rows >= maxRows ? maxTasks : n;
  }

  /**
   * Removes and returns the oldest task when it satisfies {@code p}, without waiting; null when the
   * queue is empty or its oldest task does not (later tasks never overtake it: a running call that
   * takes tasks this way cannot starve another run's).
   */
  public HeldTask pollFirstIf(Predicate<HeldTask> p) {
    lock.lock();
    try {
      if (tasks.isEmpty() || !p.test(tasks.getFirst())) {
        return null;
      }
      return tasks.removeFirst();
    } finally {
      lock.unlock();
    }
  }

  /** Whether two tasks can be sampled in one call: same run, same parameters except the seed. */
  public static boolean compatible(HeldTask a, HeldTask b) {
    SamplingParams x = a.task().sampling();
    SamplingParams y = b.task().sampling();
    return a.task().runId().equals(b.task().runId())
        && x.temperature() == y.temperature()
        && x.topP() == y.topP()
        && x.topK() == y.topK()
        && x.maxNewTokens() == y.maxNewTokens()
        && Objects.equals(x.stopStrings(), y.stopStrings());
  }
}
