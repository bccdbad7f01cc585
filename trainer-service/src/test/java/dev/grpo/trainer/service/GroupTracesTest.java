package dev.grpo.trainer.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.contracts.GroupTracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The trainer's ends of a group's trace, on the OpenTelemetry SDK with an in-memory exporter. */
class GroupTracesTest {
  private final List<SpanData> finished = new CopyOnWriteArrayList<>();
  private final SdkTracerProvider provider =
      SdkTracerProvider.builder()
          .addSpanProcessor(
              SimpleSpanProcessor.create(
                  new SpanExporter() {
                    @Override
                    public CompletableResultCode export(Collection<SpanData> spans) {
                      finished.addAll(spans);
                      return CompletableResultCode.ofSuccess();
                    }

                    @Override
                    public CompletableResultCode flush() {
                      return CompletableResultCode.ofSuccess();
                    }

                    @Override
                    public CompletableResultCode shutdown() {
                      return CompletableResultCode.ofSuccess();
                    }
                  }))
          .build();
  private final GroupTraces traces = new GroupTraces(provider.get(GroupTracing.SCOPE));

  @AfterEach
  void close() {
    provider.close();
  }

  private SpanData span(String name) {
    return finished.stream().filter(s -> s.getName().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void theStepSpanFollowsTheScoredRecordsContextInTheIssueSpansTrace() {
    Span issue = traces.issue("r", "r-g0", 1, "grpo.prompts");
    issue.end();
    var reward =
        SpanContext.createFromRemoteParent(
            issue.getSpanContext().getTraceId(),
            "00f067aa0ba902b7",
            TraceFlags.getSampled(),
            TraceState.getDefault());
    traces.seen("r-g0", GroupTracing.of(Span.wrap(reward)));

    traces.trained("r", List.of("r-g0"), 1, 0, System.nanoTime());

    SpanData root = span(GroupTracing.ISSUE_SPAN);
    SpanData train = span(GroupTracing.TRAIN_SPAN);
    assertThat(root.getParentSpanContext().isValid()).isFalse();
    assertThat(root.getAttributes().get(GroupTracing.GROUP_ID)).isEqualTo("r-g0");
    assertThat(train.getTraceId()).isEqualTo(root.getTraceId());
    assertThat(train.getParentSpanId()).isEqualTo("00f067aa0ba902b7");
    assertThat(train.getAttributes().get(GroupTraces.STEP)).isEqualTo(1L);
    assertThat(traces.remembered()).as("a decided group is forgotten").isZero();
  }

  @Test
  void aDropWithoutAnyRecordFollowsTheIssueSpanAndAnUnknownGroupStartsATrace() {
    traces.issue("r", "r-g1", 1, "grpo.prompts").end();
    traces.seen("r-g1", io.opentelemetry.context.Context.root()); // no trace in the record

    traces.dropped("r", "r-g1", DropReason.STALE);
    traces.dropped("r", "r-g9", DropReason.runEnded(dev.grpo.trainer.run.RunStatus.STOPPED));

    SpanData root = span(GroupTracing.ISSUE_SPAN);
    var drops = finished.stream().filter(s -> s.getName().equals(GroupTracing.DROP_SPAN)).toList();
    assertThat(drops).hasSize(2);
    assertThat(drops.get(0).getParentSpanId()).isEqualTo(root.getSpanId());
    assertThat(drops.get(0).getAttributes().get(GroupTraces.DROP_REASON)).isEqualTo("stale");
    assertThat(drops.get(1).getParentSpanContext().isValid()).isFalse();
  }
}
