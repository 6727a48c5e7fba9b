package dev.freshet.features;

import dev.freshet.common.FeatureVector;
import dev.freshet.common.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The traced changes behind each entity's next vector. A vector usually folds several changes
 * into one: its span continues the trace of the first and links the others (at most
 * {@value #MAX_LINKS}), and its {@code traceparent} rides on the vector to the sinks. Kept in
 * memory only: after a restart the vectors of changes received before it are simply not traced.
 */
final class ChangeTraces {
  static final int MAX_LINKS = 32;

  private final Tracer tracer;
  private final boolean enabled;
  private final Map<String, List<SpanContext>> pending = new HashMap<>();

  ChangeTraces(Tracing tracing) {
    this.tracer = tracing.tracer();
    this.enabled = tracing.enabled();
  }

  void received(String entity, Headers headers) {
    if (!enabled) {
      return;
    }
    SpanContext change = Tracing.spanContext(headers);
    if (change.isValid()) {
      List<SpanContext> causes = pending.computeIfAbsent(entity, e -> new ArrayList<>());
      if (causes.size() <= MAX_LINKS) {
        causes.add(change);
      }
    }
  }

  /** The headers the entity's vector goes out with: its span's {@code traceparent}, when changes behind it were traced. */
  Headers published(String entity, FeatureVector vector) {
    List<SpanContext> causes = pending.remove(entity);
    if (causes == null) {
      return new RecordHeaders();
    }
    SpanBuilder builder = tracer.spanBuilder("features publish").setParent(Context.root().with(Span.wrap(causes.get(0))))
        .setAttribute("freshet.entity", entity).setAttribute("freshet.version", vector.version())
        .setAttribute("freshet.changes", causes.size());
    causes.subList(1, causes.size()).forEach(builder::addLink);
    Span span = builder.startSpan();
    Headers headers = new RecordHeaders();
    Tracing.inject(span, headers);
    span.end();
    return headers;
  }
}
