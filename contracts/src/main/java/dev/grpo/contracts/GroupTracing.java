package dev.grpo.contracts;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * How one group's trace crosses Kafka: the W3C trace context ({@code traceparent}, {@code
 * tracestate}) in record headers, and the spans every hop opens for a group. The one place that
 * reads and writes those headers: the trainer injects it into each {@code grpo.prompts} record, and
 * every stage extracts it from what it consumes, opens its span as a child, and injects that span's
 * context into what it produces (see docs/operations.md, "Traces").
 *
 * <p>The propagator is W3C's own, not the global one, so the header format does not depend on how a
 * process configured OpenTelemetry. Injecting replaces any trace headers already present: a record
 * never carries two {@code traceparent}s. Reading tolerates anything: a missing or malformed header
 * gives the root context (a new trace starts there).
 *
 * <p>Needs {@code io.opentelemetry:opentelemetry-api} on the classpath (the services have it
 * through {@code quarkus-opentelemetry}); the rest of this module does not.
 */
public final class GroupTracing {
  /** The W3C trace-context header with trace id, parent span id and flags. */
  public static final String TRACEPARENT = "traceparent";

  /** The W3C vendor-specific trace state header. */
  public static final String TRACESTATE = "tracestate";

  /** The group a span is about: search a trace backend for it to follow one group. */
  public static final AttributeKey<String> GROUP_ID = AttributeKey.stringKey("grpo.group.id");

  /** The run of the group. */
  public static final AttributeKey<String> RUN_ID = AttributeKey.stringKey("grpo.run.id");

  /** Instrumentation scope name of every group span. */
  public static final String SCOPE = "dev.grpo";

  /** Trainer: a prompt task issued to {@code grpo.prompts}; the root of a group's trace. */
  public static final String ISSUE_SPAN = "grpo.prompt.issue";

  /** Rollout worker: from taking a task to publishing its group (or dead-lettering it). */
  public static final String GENERATE_SPAN = "grpo.rollout.generate";

  /** Reward service, built-in checkers only: scoring a group and publishing it. */
  public static final String SCORE_SPAN = "grpo.reward.score";

  /** Reward service join: an external part consumed from {@code grpo.reward-parts}. */
  public static final String PART_SPAN = "grpo.reward.part";

  /** Reward service join: built-ins and parts joined into the scored group (or its drop). */
  public static final String JOIN_SPAN = "grpo.reward.join";

  /** Trainer: the training step that used the group. */
  public static final String TRAIN_SPAN = "grpo.train.step";

  /** Trainer: the group was dropped (stale, zero_std, dead letter, run ended, ...). */
  public static final String DROP_SPAN = "grpo.group.drop";

  private static final TextMapPropagator W3C = W3CTraceContextPropagator.getInstance();
  private static final List<String> FIELDS = List.of(TRACEPARENT, TRACESTATE);

  private GroupTracing() {}

  /** The context carried by {@code headers}; the root context when they carry none. */
  public static Context extract(Headers headers) {
    return headers == null ? Context.root() : W3C.extract(Context.root(), headers, HEADERS_GETTER);
  }

  /**
   * Writes the trace context of {@code context} into {@code headers}, replacing the trace headers
   * already there (a context without a valid span removes them). Returns {@code headers}.
   */
  public static Headers inject(Context context, Headers headers) {
    FIELDS.forEach(headers::remove);
    W3C.inject(context, headers, HEADERS_SETTER);
    return headers;
  }

  /** The trace headers of {@code context} as text, for a store that keeps them (empty if none). */
  public static Map<String, String> carrier(Context context) {
    var out = new LinkedHashMap<String, String>();
    W3C.inject(context, out, Map::put);
    return out;
  }

  /** The context of a {@link #carrier}; the root context for null or an empty one. */
  public static Context extract(Map<String, String> carrier) {
    return carrier == null ? Context.root() : W3C.extract(Context.root(), carrier, MAP_GETTER);
  }

  /**
   * A span of one group's hop, child of {@code parent}, with the group and run as attributes; the
   * caller adds its own attributes, may set the start time, and starts it.
   */
  public static SpanBuilder span(
      Tracer tracer, String name, SpanKind kind, Context parent, String runId, String groupId) {
    SpanBuilder b = tracer.spanBuilder(name).setSpanKind(kind).setParent(parent);
    if (groupId != null) {
      b.setAttribute(GROUP_ID, groupId);
    }
    if (runId != null) {
      b.setAttribute(RUN_ID, runId);
    }
    return b;
  }

  /** The context whose parent span is {@code span}, for {@link #inject}. */
  public static Context of(Span span) {
    return Context.root().with(span);
  }

  private static final TextMapSetter<Headers> HEADERS_SETTER =
      (headers, key, value) -> {
        if (headers != null) {
          headers.add(key, value.getBytes(StandardCharsets.UTF_8));
        }
      };

  private static final TextMapGetter<Headers> HEADERS_GETTER =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers headers) {
          var keys = new ArrayList<String>();
          for (Header h : headers) {
            keys.add(h.key());
          }
          return keys;
        }

        @Override
        public String get(Headers headers, String key) {
          // The last one wins, as a Kafka client reading a single header value would see it.
          Header h = headers == null ? null : headers.lastHeader(key);
          return h == null || h.value() == null
              ? null
              : new String(h.value(), StandardCharsets.UTF_8);
        }
      };

  private static final TextMapGetter<Map<String, String>> MAP_GETTER =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
          return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
          return carrier == null ? null : carrier.get(key);
        }
      };
}
