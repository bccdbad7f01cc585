package dev.grpo.trainer.console;

import java.util.Map;

/** A record read back from its topic by offset, or why it could not be. */
public sealed interface ReadBack {
  RecordRef ref();

  /** The record's value and headers, as they are in the log. */
  record Found(RecordRef ref, byte[] value, Map<String, String> headers) implements ReadBack {}

  /** The log no longer holds the offset: retention (or compaction) removed it. */
  record Removed(RecordRef ref, long logStartOffset) implements ReadBack {}

  /** The read failed for another reason (broker unreachable, timed out). */
  record Unreadable(RecordRef ref, String why) implements ReadBack {}
}
