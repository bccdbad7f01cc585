package dev.grpo.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class GroupTracingTest {
  static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String SPAN_ID = "00f067aa0ba902b7";

  static Context spanContext(String spanId, TraceState state) {
    return GroupTracing.of(
        Span.wrap(SpanContext.create(TRACE_ID, spanId, TraceFlags.getSampled(), state)));
  }

  @Test
  void injectWritesOneW3cTraceparentThatExtractReadsBack() {
    var headers =
        GroupTracing.inject(spanContext(SPAN_ID, TraceState.getDefault()), new RecordHeaders());

    assertThat(new String(headers.lastHeader("traceparent").value(), StandardCharsets.UTF_8))
        .isEqualTo("00-" + TRACE_ID + "-" + SPAN_ID + "-01");
    var read = Span.fromContext(GroupTracing.extract(headers)).getSpanContext();
    assertThat(read.isRemote()).isTrue();
    assertThat(read.getTraceId()).isEqualTo(TRACE_ID);
    assertThat(read.getSpanId()).isEqualTo(SPAN_ID);
  }

  @Test
  void injectReplacesTheTraceHeadersAlreadyThereAndKeepsOthers() {
    var headers = new RecordHeaders();
    headers.add(
        "traceparent", "00-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-bbbbbbbbbbbbbbbb-01".getBytes());
    headers.add("tracestate", "old=1".getBytes());
    headers.add("grpo-dlq-stage", "x".getBytes());

    GroupTracing.inject(
        spanContext(SPAN_ID, TraceState.builder().put("vendor", "v1").build()), headers);

    assertThat(headers.headers("traceparent")).hasSize(1);
    assertThat(new String(headers.lastHeader("traceparent").value())).contains(SPAN_ID);
    assertThat(headers.headers("tracestate")).hasSize(1);
    assertThat(new String(headers.lastHeader("tracestate").value())).isEqualTo("vendor=v1");
    assertThat(headers.lastHeader("grpo-dlq-stage")).isNotNull();
  }

  @Test
  void aContextWithoutSpanRemovesTraceHeaders() {
    var headers = new RecordHeaders();
    headers.add("traceparent", ("00-" + TRACE_ID + "-" + SPAN_ID + "-01").getBytes());

    GroupTracing.inject(Context.root(), headers);

    assertThat(headers.lastHeader("traceparent")).isNull();
  }

  @Test
  void missingOrMalformedHeadersGiveTheRootContext() {
    assertThat(
            Span.fromContext(GroupTracing.extract(new RecordHeaders())).getSpanContext().isValid())
        .isFalse();
    var bad = new RecordHeaders();
    bad.add("traceparent", "not-a-traceparent".getBytes());
    assertThat(Span.fromContext(GroupTracing.extract(bad)).getSpanContext().isValid()).isFalse();
    assertThat(
            Span.fromContext(GroupTracing.extract((org.apache.kafka.common.header.Headers) null))
                .getSpanContext()
                .isValid())
        .isFalse();
  }

  @Test
  void aCarrierKeepsTheContextAsText() {
    var carrier = GroupTracing.carrier(spanContext(SPAN_ID, TraceState.getDefault()));

    assertThat(carrier).containsEntry("traceparent", "00-" + TRACE_ID + "-" + SPAN_ID + "-01");
    assertThat(Span.fromContext(GroupTracing.extract(carrier)).getSpanContext().getSpanId())
        .isEqualTo(SPAN_ID);
    assertThat(GroupTracing.carrier(Context.root())).isEmpty();
    assertThat(
            Span.fromContext(GroupTracing.extract((java.util.Map<String, String>) null))
                .getSpanContext()
                .isValid())
        .isFalse();
  }

  @Test
  void producerHeaderIsSetOnceAndRead() {
    var headers = new RecordHeaders();
    ProducerHeader.set(headers, "reward-a");
    ProducerHeader.set(headers, "reward-b");

    assertThat(headers.headers(ProducerHeader.NAME)).hasSize(1);
    assertThat(ProducerHeader.of(headers)).contains("reward-b");
    assertThat(ProducerHeader.of(new RecordHeaders())).isEmpty();
    assertThat(ProducerHeader.of(ProducerHeader.set(new RecordHeaders(), " "))).isEmpty();
    assertThat(ProducerHeader.of(ProducerHeader.set(new RecordHeaders(), "x".repeat(500))))
        .hasValueSatisfying(v -> assertThat(v).hasSize(ProducerHeader.MAX_CHARS));
  }
}
