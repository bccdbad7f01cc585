package dev.grpo.trainer.service;

import dev.grpo.contracts.GroupTracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Context;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The trainer's ends of each group's trace: the root span when its prompt is issued ({@link
 * GroupTracing#ISSUE_SPAN}), and the span of its fate, the training step that used it ({@link
 * GroupTracing#TRAIN_SPAN}) or its drop ({@link GroupTracing#DROP_SPAN}). The fate span is a child
 * of the latest context the trainer saw for the group: the scored record's (so it follows the
 * reward service's span), else a dead letter's, else the issue span's. A group the trainer saw
 * nothing of since a restart starts a new trace at its fate.
 *
 * <p>Memory: at most {@link #MAX_GROUPS} contexts are kept, oldest forgotten first (a group in
 * flight for longer than that many newer ones loses only its link). Thread-safe (the training
 * thread and the REST threads that issue prompts may meet here).
 */
public final class GroupTraces {
  /** Groups whose latest context is remembered; far more than any credit window holds. */
  public static final int MAX_GROUPS = 50_000;

  static final AttributeKey<Long> STEP = AttributeKey.longKey("grpo.step");
  static final AttributeKey<Long> POLICY_VERSION = AttributeKey.longKey("grpo.policy.version");
  static final AttributeKey<Long> ISSUED_FOR_STEP = AttributeKey.longKey("grpo.issued_for_step");
  static final AttributeKey<String> DROP_REASON = AttributeKey.stringKey("grpo.drop.reason");
  static final AttributeKey<String> DESTINATION =
      AttributeKey.stringKey("messaging.destination.name");

  /** Traces nothing (plain tests). */
  public static final GroupTraces NONE =
      new GroupTraces(TracerProvider.noop().get(GroupTracing.SCOPE));

  private final Tracer tracer;
  private final Map<String, Context> latest =
      new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Context> eldest) {
          return size() > MAX_GROUPS;
        }
      };

  public GroupTraces(Tracer tracer) {
    this.tracer = tracer;
  }

  /**
   * Starts the root span of a group whose prompt is being sent to {@code topic}; the caller makes
   * it current while sending (so the producer injects its context) and ends it.
   */
  public Span issue(String runId, String groupId, long issuedForStep, String topic) {
    Span span =
        GroupTracing.span(
                tracer, GroupTracing.ISSUE_SPAN, SpanKind.PRODUCER, Context.root(), runId, groupId)
            .setAttribute(ISSUED_FOR_STEP, issuedForStep)
            .setAttribute(DESTINATION, topic)
            .startSpan();
    remember(groupId, GroupTracing.of(span));
    return span;
  }

  /** The context of a record about {@code groupId} (scored group, dead letter) the trainer read. */
  public void seen(String groupId, Context context) {
    if (groupId != null && Span.fromContext(context).getSpanContext().isValid()) {
      remember(groupId, context);
    }
  }

  /** The groups were trained in {@code step}, which began at {@code stepStartNanos} (nanoTime). */
  public void trained(
      String runId, Collection<String> groupIds, int step, long version, long stepStartNanos) {
    Instant start = Instant.now().minus(System.nanoTime() - stepStartNanos, ChronoUnit.NANOS);
    for (String groupId : groupIds) {
      GroupTracing.span(
              tracer, GroupTracing.TRAIN_SPAN, SpanKind.CONSUMER, take(groupId), runId, groupId)
          .setStartTimestamp(start)
          .setAttribute(STEP, (long) step)
          .setAttribute(POLICY_VERSION, version)
          .startSpan()
          .end();
    }
  }

  /** The group was dropped for {@code reason} (a {@link DropReason} tag). */
  public void dropped(String runId, String groupId, String reason) {
    GroupTracing.span(
            tracer, GroupTracing.DROP_SPAN, SpanKind.CONSUMER, take(groupId), runId, groupId)
        .setAttribute(DROP_REASON, reason)
        .startSpan()
        .end();
  }

  /** Contexts remembered now (for tests). */
  synchronized int remembered() {
    return latest.size();
  }

  private synchronized void remember(String groupId, Context context) {
    latest.put(groupId, context);
  }

  private synchronized Context take(String groupId) {
    Context c = latest.remove(groupId);
    return c == null ? Context.root() : c;
  }
}
