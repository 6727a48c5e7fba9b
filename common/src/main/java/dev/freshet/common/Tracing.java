package dev.freshet.common;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service's tracing: OpenTelemetry's SDK exporting spans over OTLP/HTTP, or nothing at all when
 * off (the default). The W3C {@code traceparent} travels in HTTP and Kafka record headers, so one
 * source change can be followed from ingest-cdc through feature-streams to the sinks.
 */
public final class Tracing implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Tracing.class);
  private static final TextMapPropagator W3C = W3CTraceContextPropagator.getInstance();
  /** Off: no SDK, spans are no-ops and nothing is exported. */
  public static final Tracing OFF = new Tracing(OpenTelemetry.noop(), null, "off");

  /**
   * @param endpoint OTLP/HTTP traces endpoint, e.g. {@code http://127.0.0.1:4318/v1/traces}
   * @param sampleRatio the share of new traces recorded (a trace started upstream keeps its decision)
   * @param exportInterval how long finished spans wait to be sent in a batch
   */
  public record Config(boolean enabled, String endpoint, double sampleRatio, Duration exportInterval) {
    public static Config from(Settings s) {
      double ratio = s.number("tracing.sample-ratio", 1.0);
      if (ratio < 0 || ratio > 1) {
        throw new Settings.ConfigException("tracing.sample-ratio must be from 0 to 1, not " + ratio);
      }
      return new Config(Boolean.parseBoolean(s.string("tracing.enabled", "false")),
          s.string("tracing.otlp-endpoint", "http://127.0.0.1:4318/v1/traces"), ratio,
          s.duration("tracing.export-interval", Duration.ofSeconds(5)));
    }
  }

  private final OpenTelemetrySdk sdk;
  private final Tracer tracer;

  private Tracing(OpenTelemetry otel, OpenTelemetrySdk sdk, String service) {
    this.sdk = sdk;
    this.tracer = otel.getTracer("dev.freshet." + service);
  }

  /** The service's tracing per {@code config}; {@link #OFF} unless enabled. */
  public static Tracing start(Config config, String service) {
    if (!config.enabled()) {
      return OFF;
    }
    OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(config.endpoint()).build();
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), service))))
        .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(config.sampleRatio())))
        .addSpanProcessor(BatchSpanProcessor.builder(exporter).setScheduleDelay(config.exportInterval()).build())
        .build();
    OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(provider)
        .setPropagators(ContextPropagators.create(W3C)).build();
    LOG.info("tracing: spans of {} to {} (sampling {})", service, config.endpoint(), config.sampleRatio());
    return new Tracing(sdk, sdk, service);
  }

  public Tracer tracer() {
    return tracer;
  }

  public boolean enabled() {
    return sdk != null;
  }

  /**
   * A consumer's span continuing the trace a record's headers carry; a no-op span when tracing is
   * off or the record carries none (a consumer starts no traces of its own).
   */
  public Span continuing(String name, Headers headers) {
    SpanContext parent = sdk == null ? SpanContext.getInvalid() : spanContext(headers);
    return parent.isValid()
        ? tracer.spanBuilder(name).setSpanKind(SpanKind.CONSUMER).setParent(Context.root().with(Span.wrap(parent))).startSpan()
        : Span.getInvalid();
  }

  /** The context a W3C {@code traceparent} in these Kafka headers names (root if none). */
  public static Context extract(Headers headers) {
    return W3C.extract(Context.root(), headers, KAFKA_GETTER);
  }

  /** The span context a record's headers carry; invalid if none. */
  public static SpanContext spanContext(Headers headers) {
    return Span.fromContext(extract(headers)).getSpanContext();
  }

  /** Writes {@code span}'s {@code traceparent} into Kafka {@code headers} (replacing one there). */
  public static void inject(Span span, Headers headers) {
    if (span.getSpanContext().isValid()) {
      headers.remove("traceparent");
      headers.remove("tracestate");
      W3C.inject(Context.root().with(span), headers, KAFKA_SETTER);
    }
  }

  /** The context a W3C {@code traceparent} HTTP header value names (root if none or malformed). */
  public static Context fromTraceparent(String traceparent) {
    return traceparent == null ? Context.root() : W3C.extract(Context.root(), traceparent, new TextMapGetter<>() {
      @Override
      public Iterable<String> keys(String carrier) {
        return List.of("traceparent");
      }

      @Override
      public String get(String carrier, String key) {
        return "traceparent".equals(key) ? carrier : null;
      }
    });
  }

  private static final TextMapGetter<Headers> KAFKA_GETTER = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Headers headers) {
      List<String> keys = new ArrayList<>();
      headers.forEach(h -> keys.add(h.key()));
      return keys;
    }

    @Override
    public String get(Headers headers, String key) {
      Header h = headers == null ? null : headers.lastHeader(key);
      return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
  };

  private static final TextMapSetter<Headers> KAFKA_SETTER = (headers, key, value) ->
      headers.add(key, value.getBytes(StandardCharsets.UTF_8));

  /** Exports what is left and stops the exporter (the services call it last when they stop). */
  @Override
  public void close() {
    if (sdk != null) {
      sdk.close();
    }
  }
}
