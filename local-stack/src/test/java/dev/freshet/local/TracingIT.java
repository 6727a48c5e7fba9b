package dev.freshet.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.common.Topics;
import dev.freshet.embedded.OtlpCollector;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Traces as a collector receives them from the services' OTLP exporters (the shared stack runs
 * with tracing on): one request is one trace under the caller's {@code traceparent}, with a span
 * for each step; one source change is one trace through ingest-cdc, feature-streams and both sinks.
 */
@ExtendWith(SharedStack.class)
class TracingIT {
  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CALLER_SPAN = "00f067aa0ba902b7";

  @Test
  void aGenerateRequestIsOneTraceWithASpanForEachStepAndItsTraceIdInTheGenerationLog() {
    SharedStack.Running stack = SharedStack.get();
    HttpJson http = stack.pipeline().api();
    long user = 930_001;
    stack.db().upsertUser(user, "tracy", "FR");
    stack.db().insertEvent(user, "view", "book-1", "books", "eco", null);
    String token = stack.db().consistencyToken();
    HttpJson.Response answer = http.post("/v1/generate", "{\"user_id\": \"" + user + "\", \"prompt\": \"recommend something\", "
        + "\"max_tokens\": 8, \"min_lsn\": \"" + token + "\"}", Map.of("traceparent", "00-" + TRACE + "-" + CALLER_SPAN + "-01"));
    assertThat(answer.status()).as(String.valueOf(answer.body())).isEqualTo(200);
    assertThat(answer.body().path("personalized").asBoolean()).isTrue();

    List<OtlpCollector.Received> spans = Await.until(Duration.ofSeconds(30), "the request's spans at the collector",
        () -> inTrace(stack.traces(), TRACE), s -> names(s).containsAll(
            Set.of("POST /v1/generate", "auth", "freshness wait", "store read", "batch queue", "model")));
    OtlpCollector.Received server = spans.stream().filter(s -> s.name().equals("POST /v1/generate")).findFirst().orElseThrow();
    assertThat(server.service()).isEqualTo("serving");
    assertThat(server.parentSpanId()).as("continues the caller's span").isEqualTo(CALLER_SPAN);
    assertThat(server.attributes()).containsEntry("http.route", "/v1/generate").containsEntry("freshet.api_key_id", LocalApiKey.ID);
    assertThat(spans.stream().filter(s -> !s.equals(server))).allSatisfy(s -> assertThat(s.parentSpanId()).isEqualTo(server.spanId()));

    String requestId = answer.body().path("request_id").asText();
    String bootstrap = stack.pipeline().settings().requireString("kafka.bootstrap-servers");
    String logged = Await.until(Duration.ofSeconds(30), "the generation log record", () -> TopicRecords.read(bootstrap, Map.of(),
            TopicRecords.endOffsets(bootstrap, Topics.GENERATIONS)).stream().map(r -> r.value())
        .filter(v -> v != null && v.contains(requestId)).findFirst().orElse(null), v -> v != null);
    assertThat(logged).contains("\"trace_id\":\"" + TRACE + "\"");
  }

  @Test
  void aSourceChangeIsOneTraceThroughIngestFeatureStreamsAndBothSinks() {
    SharedStack.Running stack = SharedStack.get();
    long user = 930_002;
    stack.db().upsertUser(user, "chase", "DE");
    stack.db().insertEvent(user, "purchase", "film-9", "films", "kafka", new BigDecimal("9.99"));

    OtlpCollector.Received publish = Await.until(Duration.ofSeconds(60), "feature-streams' span for user " + user,
        () -> stack.traces().spans().stream().filter(s -> s.name().equals("features publish")
            && String.valueOf(user).equals(s.attributes().get("freshet.entity"))).findFirst().orElse(null), s -> s != null);
    assertThat(publish.service()).isEqualTo("feature-streams");
    List<OtlpCollector.Received> trace = Await.until(Duration.ofSeconds(60), "the change's trace in every service",
        () -> inTrace(stack.traces(), publish.traceId()), s -> services(s).containsAll(Set.of("ingest-cdc", "feature-streams", "online-sink")));
    OtlpCollector.Received change = trace.stream().filter(s -> s.service().equals("ingest-cdc")).findFirst().orElseThrow();
    assertThat(change.name()).isEqualTo("cdc publish");
    assertThat(change.parentSpanId()).as("the change starts the trace").isEmpty();
    assertThat(publish.parentSpanId()).isEqualTo(change.spanId());
    assertThat(trace.stream().filter(s -> s.service().equals("online-sink")))
        .allSatisfy(s -> assertThat(s.parentSpanId()).isEqualTo(publish.spanId()));
    // A commit links at most 128 of the records it appends (OpenTelemetry's own limit per span), and the shared stack's
    // commits hold more than that: the link shown is to vectors' spans, not necessarily to this one.
    Await.until(Duration.ofSeconds(60), "an offline-sink commit linked to the vectors it appended", () -> {
      Set<String> published = stack.traces().spans().stream().filter(s -> s.name().equals("features publish"))
          .map(OtlpCollector.Received::spanId).collect(Collectors.toSet());
      return stack.traces().spans().stream()
          .anyMatch(s -> s.service().equals("offline-sink") && s.linkedSpanIds().stream().anyMatch(published::contains));
    }, linked -> linked);
  }

  private static List<OtlpCollector.Received> inTrace(OtlpCollector traces, String traceId) {
    return traces.spans().stream().filter(s -> s.traceId().equals(traceId)).toList();
  }

  private static Set<String> names(List<OtlpCollector.Received> spans) {
    return spans.stream().map(OtlpCollector.Received::name).collect(Collectors.toSet());
  }

  private static Set<String> services(List<OtlpCollector.Received> spans) {
    return spans.stream().map(OtlpCollector.Received::service).collect(Collectors.toSet());
  }
}
