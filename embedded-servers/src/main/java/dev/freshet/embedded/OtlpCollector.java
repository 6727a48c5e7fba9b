package dev.freshet.embedded;

import com.google.protobuf.ByteString;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;

/**
 * A stand-in for an OpenTelemetry collector: takes what an OTLP/HTTP exporter sends to
 * {@code /v1/traces} (protobuf, decoded with the protocol's own generated classes) and keeps
 * every span, so a test sees what a deployment's collector would get.
 */
public final class OtlpCollector implements AutoCloseable {
  /** One received span; ids in hex, as tools show them. */
  public record Received(String service, String name, String traceId, String spanId, String parentSpanId, List<String> linkedSpanIds,
      Map<String, String> attributes) {}

  private final HttpServer server;
  private final List<Received> spans = new CopyOnWriteArrayList<>();

  private OtlpCollector(HttpServer server) {
    this.server = server;
  }

  public static OtlpCollector start() {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
      OtlpCollector collector = new OtlpCollector(server);
      server.createContext("/v1/traces", collector::receive);
      server.start();
      return collector;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The URL to configure as {@code tracing.otlp-endpoint}. */
  public String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/traces";
  }

  public List<Received> spans() {
    return List.copyOf(spans);
  }

  private void receive(HttpExchange ex) throws IOException {
    try (InputStream raw = ex.getRequestBody();
        InputStream in = "gzip".equalsIgnoreCase(ex.getRequestHeaders().getFirst("Content-Encoding")) ? new GZIPInputStream(raw) : raw) {
      ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(in);
      for (ResourceSpans rs : request.getResourceSpansList()) {
        String service = rs.getResource().getAttributesList().stream().filter(a -> a.getKey().equals("service.name"))
            .map(a -> a.getValue().getStringValue()).findFirst().orElse("");
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span s : ss.getSpansList()) {
            spans.add(new Received(service, s.getName(), hex(s.getTraceId()), hex(s.getSpanId()), hex(s.getParentSpanId()),
                s.getLinksList().stream().map(l -> hex(l.getSpanId())).toList(),
                s.getAttributesList().stream().collect(Collectors.toMap(KeyValue::getKey, a -> text(a), (a, b) -> b))));
          }
        }
      }
    }
    byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
    ex.getResponseHeaders().set("Content-Type", "application/x-protobuf");
    ex.sendResponseHeaders(200, answer.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(answer);
    }
  }

  private static String text(KeyValue a) {
    var v = a.getValue();
    return v.hasStringValue() ? v.getStringValue() : v.hasIntValue() ? Long.toString(v.getIntValue()) : v.toString().trim();
  }

  private static String hex(ByteString bytes) {
    return bytes.isEmpty() ? "" : HexFormat.of().formatHex(bytes.toByteArray());
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
