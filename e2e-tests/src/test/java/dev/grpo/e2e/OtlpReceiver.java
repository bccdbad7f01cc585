package dev.grpo.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

/**
 * A small OTLP/HTTP trace receiver for tests: accepts {@code POST /v1/traces} with a protobuf
 * {@code ExportTraceServiceRequest} (what the services send with {@code
 * quarkus.otel.exporter.otlp.traces.protocol=http/protobuf}) and keeps the spans. It decodes the
 * few fields a test asserts on straight from the protobuf wire format (the OTLP schema is stable:
 * opentelemetry-proto's trace.proto and common.proto), so it needs no generated classes.
 */
final class OtlpReceiver implements AutoCloseable {

  /**
   * One received span.
   *
   * @param service the {@code service.name} of the resource that sent it
   * @param traceId 32 hex digits
   * @param spanId 16 hex digits
   * @param parentSpanId 16 hex digits, or "" for a root span
   * @param name the span name
   * @param attributes string, int, bool and double attributes as text
   */
  record ReceivedSpan(
      String service,
      String traceId,
      String spanId,
      String parentSpanId,
      String name,
      Map<String, String> attributes) {}

  private static final HexFormat HEX = HexFormat.of();

  private final HttpServer server;
  private final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();
  private final List<String> problems = new CopyOnWriteArrayList<>();

  private OtlpReceiver(HttpServer server) {
    this.server = server;
  }

  /** Listens on a free port of 127.0.0.1. */
  static OtlpReceiver start() throws IOException {
    var server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    var receiver = new OtlpReceiver(server);
    server.createContext("/v1/traces", receiver::handle);
    server.start();
    return receiver;
  }

  /** The base URI, for {@code quarkus.otel.exporter.otlp.traces.endpoint}. */
  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Every span received so far. */
  List<ReceivedSpan> spans() {
    return List.copyOf(spans);
  }

  /** Requests that could not be decoded (should stay empty). */
  List<String> problems() {
    return List.copyOf(problems);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!"POST".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      InputStream in = exchange.getRequestBody();
      if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
        in = new GZIPInputStream(in);
      }
      byte[] body = in.readAllBytes();
      try {
        spans.addAll(decodeRequest(body));
      } catch (RuntimeException e) {
        problems.add(e.toString());
      }
      // An empty ExportTraceServiceResponse: zero bytes of protobuf.
      exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
      exchange.sendResponseHeaders(200, -1);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }

  // ---- protobuf wire format ------------------------------------------------------------------

  /** ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; } */
  static List<ReceivedSpan> decodeRequest(byte[] body) {
    var out = new ArrayList<ReceivedSpan>();
    var r = new Wire(body);
    while (r.more()) {
      int tag = r.tag();
      if (tag == field(1, 2)) {
        decodeResourceSpans(r.bytes(), out);
      } else {
        r.skip(tag);
      }
    }
    return out;
  }

  /** ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; } */
  private static void decodeResourceSpans(byte[] bytes, List<ReceivedSpan> out) {
    String service = "";
    var scopes = new ArrayList<byte[]>();
    var r = new Wire(bytes);
    while (r.more()) {
      int tag = r.tag();
      if (tag == field(1, 2)) {
        // Resource { repeated KeyValue attributes = 1; }
        var res = new Wire(r.bytes());
        while (res.more()) {
          int t = res.tag();
          if (t == field(1, 2)) {
            var kv = keyValue(res.bytes());
            if ("service.name".equals(kv.getKey())) {
              service = kv.getValue();
            }
          } else {
            res.skip(t);
          }
        }
      } else if (tag == field(2, 2)) {
        scopes.add(r.bytes());
      } else {
        r.skip(tag);
      }
    }
    for (byte[] scope : scopes) {
      // ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
      var s = new Wire(scope);
      while (s.more()) {
        int tag = s.tag();
        if (tag == field(2, 2)) {
          out.add(decodeSpan(service, s.bytes()));
        } else {
          s.skip(tag);
        }
      }
    }
  }

  /**
   * Span { bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5;
   * repeated KeyValue attributes = 9; ... }
   */
  private static ReceivedSpan decodeSpan(String service, byte[] bytes) {
    String traceId = "";
    String spanId = "";
    String parent = "";
    String name = "";
    var attributes = new LinkedHashMap<String, String>();
    var r = new Wire(bytes);
    while (r.more()) {
      int tag = r.tag();
      switch (tag) {
        case (1 << 3) | 2 -> traceId = HEX.formatHex(r.bytes());
        case (2 << 3) | 2 -> spanId = HEX.formatHex(r.bytes());
        case (4 << 3) | 2 -> parent = HEX.formatHex(r.bytes());
        case (5 << 3) | 2 -> name = new String(r.bytes(), StandardCharsets.UTF_8);
        case (9 << 3) | 2 -> {
          var kv = keyValue(r.bytes());
          attributes.put(kv.getKey(), kv.getValue());
        }
        default -> r.skip(tag);
      }
    }
    return new ReceivedSpan(service, traceId, spanId, parent, name, attributes);
  }

  /**
   * KeyValue { string key = 1; AnyValue value = 2; } with AnyValue { string string_value = 1; bool
   * bool_value = 2; int64 int_value = 3; double double_value = 4; ... }
   */
  private static Map.Entry<String, String> keyValue(byte[] bytes) {
    String key = "";
    String value = "";
    var r = new Wire(bytes);
    while (r.more()) {
      int tag = r.tag();
      if (tag == field(1, 2)) {
        key = new String(r.bytes(), StandardCharsets.UTF_8);
      } else if (tag == field(2, 2)) {
        var v = new Wire(r.bytes());
        while (v.more()) {
          int t = v.tag();
          switch (t) {
            case (1 << 3) | 2 -> value = new String(v.bytes(), StandardCharsets.UTF_8);
            case (2 << 3) -> value = Boolean.toString(v.varint() != 0);
            case (3 << 3) -> value = Long.toString(v.varint());
            case (4 << 3) | 1 -> value = Double.toString(Double.longBitsToDouble(v.fixed64()));
            default -> v.skip(t);
          }
        }
      } else {
        r.skip(tag);
      }
    }
    return Map.entry(key, value);
  }

  private static int field(int number, int wireType) {
    return (number << 3) | wireType;
  }

  /** A reader of protobuf's wire format: varints, fixed 32/64, length-delimited fields. */
  private static final class Wire {
    private final byte[] b;
    private int pos;

    Wire(byte[] b) {
      this.b = b;
    }

    boolean more() {
      return pos < b.length;
    }

    int tag() {
      return (int) varint();
    }

    long varint() {
      long result = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        byte x = b[pos++];
        result |= (long) (x & 0x7f) << shift;
        if ((x & 0x80) == 0) {
          return result;
        }
      }
      throw new IllegalArgumentException("malformed varint at " + pos);
    }

    long fixed64() {
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v |= (long) (b[pos++] & 0xff) << (8 * i);
      }
      return v;
    }

    byte[] bytes() {
      int n = (int) varint();
      var out = new ByteArrayOutputStream(n);
      out.write(b, pos, n);
      pos += n;
      return out.toByteArray();
    }

    void skip(int tag) {
      switch (tag & 7) {
        case 0 -> varint();
        case 1 -> pos += 8;
        case 2 -> {
          int n = (int) varint(); // read first: pos += varint() would add to the old pos
          pos += n;
        }
        case 5 -> pos += 4;
        default -> throw new IllegalArgumentException("unsupported wire type in tag " + tag);
      }
    }
  }
}
