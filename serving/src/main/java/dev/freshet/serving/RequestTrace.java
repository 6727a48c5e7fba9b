package dev.freshet.serving;

import dev.freshet.common.Tracing;
import io.javalin.http.Context;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One trace per request: a server span (continuing the caller's W3C {@code traceparent}) from the
 * first handler to the access log line, and child spans for the steps that take time — the key
 * check, the freshness wait, the store read, the model's queue and the model. Handlers answer from
 * futures on other threads, so the spans are parented explicitly, not through a thread's context.
 */
final class RequestTrace {
  private static final String SPAN = "freshet.span";

  private final Tracer tracer;

  RequestTrace(Tracing tracing) {
    this.tracer = tracing.tracer();
  }

  void start(Context ctx) {
    Span span = tracer.spanBuilder("HTTP " + ctx.method().name()).setSpanKind(SpanKind.SERVER)
        .setParent(Tracing.fromTraceparent(ctx.header("traceparent")))
        .setAttribute("http.request.method", ctx.method().name())
        .setAttribute("url.path", ctx.path())
        .startSpan();
    ctx.attribute(SPAN, span);
  }

  /** Names the request's span after its route, once the route is known. */
  static void route(Context ctx, String route) {
    Span span = span(ctx);
    span.updateName(ctx.method().name() + " " + route);
    span.setAttribute("http.route", route);
  }

  static void keyId(Context ctx, String keyId) {
    span(ctx).setAttribute("freshet.api_key_id", keyId);
  }

  /** The trace id of the request, or null when it is not traced. */
  static String traceId(Context ctx) {
    Span span = ctx.attribute(SPAN);
    return span == null || !span.getSpanContext().isValid() ? null : span.getSpanContext().getTraceId();
  }

  /** Ends the request's span with the answer's status (called when the answer has been sent). */
  static void end(Context ctx) {
    Span span = ctx.attribute(SPAN);
    if (span != null) {
      span.setAttribute(AttributeKey.longKey("http.response.status_code"), (long) ctx.statusCode());
      if (ctx.statusCode() >= 500) {
        span.setStatus(StatusCode.ERROR);
      }
      span.end();
    }
  }

  /** A child span of the request around synchronous work. */
  <T> T during(Context ctx, String name, Supplier<T> work) {
    Span child = child(ctx, name);
    try {
      return work.get();
    } catch (RuntimeException e) {
      child.recordException(e);
      throw e;
    } finally {
      child.end();
    }
  }

  /** A child span of the request from now until {@code work}'s future completes. */
  <T> CompletableFuture<T> around(Context ctx, String name, Supplier<CompletableFuture<T>> work) {
    Span child = child(ctx, name);
    return work.get().whenComplete((ok, error) -> {
      if (error != null) {
        child.recordException(error);
      }
      child.end();
    });
  }

  /** A child span that already happened: from {@code startNanos} (System.nanoTime) for {@code nanos}. */
  void happened(Context ctx, String name, long startEpochNanos, long nanos) {
    tracer.spanBuilder(name).setParent(io.opentelemetry.context.Context.root().with(span(ctx)))
        .setStartTimestamp(startEpochNanos, TimeUnit.NANOSECONDS).startSpan().end(startEpochNanos + nanos, TimeUnit.NANOSECONDS);
  }

  private Span child(Context ctx, String name) {
    return tracer.spanBuilder(name).setParent(io.opentelemetry.context.Context.root().with(span(ctx))).startSpan();
  }

  private static Span span(Context ctx) {
    Span span = ctx.attribute(SPAN);
    return span == null ? Span.getInvalid() : span;
  }
}
