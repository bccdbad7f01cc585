package dev.grpo.trainer.console;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Produce rates per topic from samples of the topics' end offsets (the sum over partitions): the
 * records appended between the oldest and the newest sample of a sliding window, per second.
 */
public final class TopicRates {
  /** Samples older than this (relative to the newest) are forgotten. */
  public static final long DEFAULT_WINDOW_MILLIS = 10_000;

  private record Sample(long atMillis, Map<String, Long> endOffsets) {}

  private final long windowMillis;
  private final Deque<Sample> samples = new ArrayDeque<>();

  public TopicRates(long windowMillis) {
    if (windowMillis <= 0) {
      throw new IllegalArgumentException("windowMillis must be > 0, was " + windowMillis);
    }
    this.windowMillis = windowMillis;
  }

  /** Adds a sample: each topic's end offset summed over its partitions, at {@code atMillis}. */
  public synchronized void add(long atMillis, Map<String, Long> endOffsets) {
    if (!samples.isEmpty() && atMillis < samples.peekLast().atMillis()) {
      throw new IllegalArgumentException(
          "samples must come in time order, was " + atMillis + " after " + samples.peekLast());
    }
    samples.addLast(new Sample(atMillis, Map.copyOf(endOffsets)));
    while (samples.size() > 2 && atMillis - samples.peekFirst().atMillis() > windowMillis) {
      samples.removeFirst();
    }
  }

  /** Records per second per topic over the window; 0 for a topic seen in one sample only. */
  public synchronized Map<String, Double> perSecond() {
    var out = new LinkedHashMap<String, Double>();
    if (samples.isEmpty()) {
      return out;
    }
    var first = samples.peekFirst();
    var last = samples.peekLast();
    double seconds = (last.atMillis() - first.atMillis()) / 1000.0;
    for (var e : last.endOffsets().entrySet()) {
      Long before = first.endOffsets().get(e.getKey());
      double rate =
          seconds <= 0 || before == null ? 0.0 : Math.max(0, e.getValue() - before) / seconds;
      out.put(e.getKey(), rate);
    }
    return out;
  }

  /** The newest end offsets (sum over partitions), empty before the first sample. */
  public synchronized Map<String, Long> endOffsets() {
    return samples.isEmpty() ? Map.of() : samples.peekLast().endOffsets();
  }
}
