package dev.grpo.rollout.service;

import dev.grpo.contracts.PromptTask;
import dev.grpo.contracts.SourceRecord;
import io.opentelemetry.context.Context;

/**
 * A prompt task taken from Kafka and not yet committed: the task and where it came from.
 *
 * @param source where the record sits, so its offset can be committed (or dead-lettered) later
 * @param task the decoded task
 * @param receivedNanos {@link System#nanoTime()} when the worker took it
 * @param trace the trace context its record carried (the trainer's issue span), or the root context
 */
public record HeldTask(SourceRecord source, PromptTask task, long receivedNanos, Context trace) {

  /** A task whose record carried no trace context. */
  public HeldTask(SourceRecord source, PromptTask task, long receivedNanos) {
    this(source, task, receivedNanos, Context.root());
  }
}
