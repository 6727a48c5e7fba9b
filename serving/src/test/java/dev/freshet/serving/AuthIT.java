package dev.freshet.serving;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.freshet.common.Json;
import dev.freshet.common.Settings;
import dev.freshet.serving.auth.Scope;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The real serving listeners with a keys file: who gets in (401), what they may do (403), keys
 * rotated and expired while it runs, the admin listener apart, and limits per client (429).
 * No feature store runs: authorised feature reads answer 503, which is past the checks.
 */
class AuthIT {
  private static final Duration RELOAD = Duration.ofMillis(200);
  @TempDir static Path dir;
  static Path keysFile;
  static ServingService serving;
  static HttpClient client = HttpClient.newHttpClient();
  static String all;
  static String reader;
  static String generator;
  static String limited;
  static ListAppender<ILoggingEvent> accessLog = new ListAppender<>();

  @BeforeAll
  static void start() throws IOException {
    keysFile = dir.resolve("api-keys.json");
    all = TestKeys.all(keysFile);
    reader = TestKeys.add(keysFile, "reader", Set.of(Scope.FEATURES_READ));
    generator = TestKeys.add(keysFile, "generator", Set.of(Scope.GENERATE));
    limited = TestKeys.add(keysFile, "limited", Set.of(Scope.FEATURES_READ), null, Map.of("models", 3));
    Files.createDirectories(dir.resolve("models"));
    accessLog.start();
    ((Logger) LoggerFactory.getLogger(AccessLog.LOGGER)).addAppender(accessLog);
    serving = ServingService.start(ServingConfig.from(Settings.of(Map.ofEntries(
        Map.entry("cql.contact-points", "127.0.0.1:1"),
        Map.entry("http.port", "0"),
        Map.entry("admin.port", "0"),
        Map.entry("ops.port", "0"),
        Map.entry("auth.keys-file", keysFile.toString()),
        Map.entry("auth.reload-interval", RELOAD.toMillis() + "ms"),
        Map.entry("limits.generate.in-flight-per-key", "1"),
        Map.entry("generator.models-root", dir.resolve("models").toString()),
        Map.entry("generation-log.enabled", "false"),
        Map.entry("generator.scratch-dir", dir.resolve("scratch").toString())))));
  }

  @AfterAll
  static void stop() {
    serving.close();
  }

  @Test
  void withoutAValidKeyEveryApiRouteIs401() throws Exception {
    for (String path : List.of("/v1/users/1/features", "/v1/models")) {
      Answer none = get(serving.port(), path, null);
      assertError(none, 401, "missing_api_key");
      assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
      assertError(get(serving.port(), path, "Basic dXNlcjpwYXNz"), 401, "invalid_api_key");
      assertError(get(serving.port(), path, "Bearer reader.not-the-secret"), 401, "invalid_api_key");
      assertError(get(serving.port(), path, "Bearer nobody.xyz"), 401, "invalid_api_key");
      assertError(get(serving.port(), path, "Bearer " + reader + "x"), 401, "invalid_api_key");
    }
    assertError(post(serving.port(), "/v1/generate", "{\"user_id\": \"1\", \"prompt\": \"hi\"}", null), 401, "missing_api_key");
    assertError(post(serving.port(), "/v1/features", "{\"user_ids\": [\"1\"]}", null), 401, "missing_api_key");
  }

  @Test
  void aKeyWithoutTheRoutesScopeIs403NamingIt() throws Exception {
    Answer a = post(serving.port(), "/v1/generate", "{\"user_id\": \"1\", \"prompt\": \"hi\"}", reader);
    assertError(a, 403, "insufficient_scope");
    assertThat(a.body().path("required_scope").asText()).isEqualTo("generate");
    assertThat(a.body().path("message").asText()).contains("'reader'", "'generate'").doesNotContain(reader);
    Answer b = get(serving.port(), "/v1/users/1/features", "Bearer " + generator);
    assertError(b, 403, "insufficient_scope");
    assertThat(b.body().path("required_scope").asText()).isEqualTo("features:read");
    assertThat(get(serving.port(), "/v1/models", "Bearer " + reader).status()).isEqualTo(200);
    assertThat(get(serving.port(), "/v1/users/1/features", "Bearer " + reader).status()).as("past the checks: no store here").isEqualTo(503);
    assertThat(post(serving.port(), "/v1/generate", "{\"user_id\": \"1\", \"prompt\": \"hi\", \"max_tokens\": 2}", generator).status())
        .isEqualTo(200);
  }

  @Test
  void aKeyAddedToTheFileWorksWithoutARestartAndARemovedOneStops() throws Exception {
    String rotated = TestKeys.add(keysFile, "rotated", Set.of(Scope.FEATURES_READ));
    awaitStatus("/v1/models", rotated, 200);
    TestKeys.add(keysFile, "rotated", Set.of(Scope.FEATURES_READ)); // the secret changes: the old one must stop working
    awaitStatus("/v1/models", rotated, 401);
  }

  @Test
  void anExpiredKeyIsRefusedAndAFileThatDoesNotLoadKeepsTheKeysLoaded() throws Exception {
    String soon = TestKeys.add(keysFile, "soon", Set.of(Scope.FEATURES_READ), Instant.now().plusSeconds(3), Map.of());
    awaitStatus("/v1/models", soon, 200);
    Answer expired = awaitStatus("/v1/models", soon, 401);
    assertThat(expired.body().path("error").asText()).isEqualTo("expired_api_key");

    String before = Files.readString(keysFile);
    try {
      Files.writeString(keysFile, "{\"keys\": [{\"id\": \"broken\", \"hash\": \"plain\", \"scopes\": [\"generate\"]}]}");
      Thread.sleep(5 * RELOAD.toMillis());
      assertThat(get(serving.port(), "/v1/models", "Bearer " + reader).status()).as("the keys loaded before stay").isEqualTo(200);
    } finally {
      Files.writeString(keysFile, before);
    }
  }

  @Test
  void adminIsOnlyOnItsOwnListenerForAdminKeysAndReloadsOnlyUnderTheModelsRoot() throws Exception {
    assertError(get(serving.port(), "/admin/models", "Bearer " + all), 404, "not_found");
    assertError(post(serving.port(), "/admin/models/default/reload", "", all), 404, "not_found");
    assertError(get(serving.port(), "/metrics", null), 404, "not_found");
    assertError(get(serving.adminPort(), "/admin/models", null), 401, "missing_api_key");
    Answer notAdmin = get(serving.adminPort(), "/admin/models", "Bearer " + reader);
    assertError(notAdmin, 403, "insufficient_scope");
    assertThat(notAdmin.body().path("required_scope").asText()).isEqualTo("admin");
    assertThat(get(serving.adminPort(), "/admin/models", "Bearer " + all).status()).isEqualTo(200);
    for (String outside : List.of("/tmp", "../scratch", "../../etc", "missing")) {
      Answer refused = post(serving.adminPort(), "/admin/models/default/reload", "{\"dir\": \"" + outside + "\"}", all);
      assertError(refused, 400, "invalid_request");
      assertThat(refused.raw()).doesNotContain(dir.toString()).doesNotContain("/etc").doesNotContain("Exception");
    }
    Files.createDirectories(dir.resolve("models/empty"));
    Answer broken = post(serving.adminPort(), "/admin/models/default/reload", "{\"dir\": \"empty\"}", all);
    assertError(broken, 422, "model_load_failed");
    assertThat(broken.raw()).doesNotContain(dir.toString()).doesNotContain("Exception");
  }

  @Test
  void theContractIsServedWithoutAKey() throws Exception {
    Answer doc = get(serving.port(), "/openapi.json", null);
    assertThat(doc.status()).isEqualTo(200);
    assertThat(doc.body().path("openapi").asText()).isEqualTo("3.1.0");
    HttpResponse<String> page = client.send(request(serving.port(), "/docs", null).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("POST /v1/generate", "scope <code>generate</code>", "/openapi.json");
  }

  @Test
  void theOpsListenerServesHealthReadinessAndMetricsWithoutAKey() throws Exception {
    assertThat(get(serving.opsPort(), "/health", null).status()).isEqualTo(200);
    assertThat(get(serving.opsPort(), "/ready", null).status()).as("no feature store here").isEqualTo(503);
    HttpResponse<String> metrics = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + serving.opsPort() + "/metrics"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(metrics.body()).contains("freshet_serving_api_keys ");
  }

  @Test
  void aClientOverItsRateGets429WithHeadersWhileAnotherIsUnaffected() throws Exception {
    List<Answer> answers = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      answers.add(get(serving.port(), "/v1/models", "Bearer " + limited));
    }
    Answer first = answers.get(0);
    assertThat(first.status()).isEqualTo(200);
    assertThat(first.headers().firstValue("RateLimit-Limit")).contains("3");
    assertThat(first.headers().firstValue("RateLimit-Remaining")).contains("2");
    Answer over = answers.stream().filter(a -> a.status() == 429).findFirst().orElseThrow(() -> new AssertionError(answers));
    assertError(over, 429, "rate_limited");
    assertThat(over.body().path("message").asText()).contains("'limited'", "limits.models.per-second");
    assertThat(over.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isBetween(1, 2));
    assertThat(over.headers().firstValue("RateLimit-Remaining")).contains("0");
    assertThat(over.headers().firstValue("RateLimit-Reset")).isPresent();
    assertThat(get(serving.port(), "/v1/models", "Bearer " + reader).status()).as("another client at the same time").isEqualTo(200);
  }

  @Test
  void oneKeyCannotHaveMoreGenerationsInFlightThanItsLimit() throws Exception {
    String body = "{\"user_id\": \"1\", \"prompt\": \"recommend something\", \"min_tokens\": 128, \"max_tokens\": 128}";
    List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      burst.add(client.sendAsync(request(serving.port(), "/v1/generate", "Bearer " + generator)
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    // Another key runs its own generation meanwhile.
    assertThat(post(serving.port(), "/v1/generate", "{\"user_id\": \"1\", \"prompt\": \"hi\", \"max_tokens\": 2}", all).status())
        .isEqualTo(200);
    burst.forEach(f -> ContractCheck.assertKept("POST", "/v1/generate", f.join().statusCode(), f.join().body()));
    List<Integer> statuses = burst.stream().map(f -> f.join().statusCode()).toList();
    assertThat(statuses).contains(200, 429).containsOnly(200, 429);
    String refused = burst.stream().map(CompletableFuture::join).filter(r -> r.statusCode() == 429).findFirst().orElseThrow().body();
    assertThat(Json.MAPPER.readTree(refused).path("error").asText()).isEqualTo("too_many_in_flight");
  }

  @Test
  void everyRequestLeavesOneJsonAccessLogLineWithTheKeyIdNeverTheKey() throws Exception {
    Answer a = get(serving.port(), "/v1/models", "Bearer " + reader);
    String requestId = a.headers().firstValue("X-Request-Id").orElseThrow();
    JsonNode line = awaitAccessLine(requestId);
    assertThat(line.path("route").asText()).isEqualTo("/v1/models");
    assertThat(line.path("status").asInt()).isEqualTo(200);
    assertThat(line.path("key_id").asText()).isEqualTo("reader");
    assertThat(line.path("listener").asText()).isEqualTo("api");
    assertThat(line.path("latency_ms").asDouble()).isPositive();
    assertThat(line.has("time")).isTrue();
    assertThat(accessLog.list.stream().map(ILoggingEvent::getFormattedMessage)).noneMatch(m -> m.contains(reader.split("\\.")[1]));
    Answer refused = get(serving.port(), "/v1/users/1/features", null);
    JsonNode refusedLine = awaitAccessLine(refused.headers().firstValue("X-Request-Id").orElseThrow());
    assertThat(refusedLine.path("status").asInt()).isEqualTo(401);
    assertThat(refusedLine.path("route").asText()).isEqualTo("/v1/users/{userId}/features");
    assertThat(refusedLine.has("key_id")).isFalse();
  }

  private static JsonNode awaitAccessLine(String requestId) throws Exception {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (System.nanoTime() < deadline) {
      for (ILoggingEvent e : List.copyOf(accessLog.list)) {
        JsonNode line = Json.MAPPER.readTree(e.getFormattedMessage());
        if (requestId.equals(line.path("request_id").asText())) {
          return line;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no access log line for request " + requestId);
  }

  private static Answer awaitStatus(String path, String token, int status) throws Exception {
    long deadline = System.nanoTime() + 20 * RELOAD.toNanos() + 5_000_000_000L;
    Answer a;
    do {
      a = get(serving.port(), path, "Bearer " + token);
      if (a.status() == status) {
        return a;
      }
      Thread.sleep(50);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("still " + a.status() + " instead of " + status + ": " + a.raw());
  }

  private record Answer(int status, HttpResponse<String> response, JsonNode body, String raw) {
    java.net.http.HttpHeaders headers() {
      return response.headers();
    }
  }

  private static void assertError(Answer a, int status, String error) {
    assertThat(a.status()).as(a.raw()).isEqualTo(status);
    assertThat(a.response().headers().firstValue("Content-Type").orElse("")).as(a.raw()).startsWith("application/json");
    assertThat(a.body().path("error").asText()).as(a.raw()).isEqualTo(error);
    assertThat(a.body().path("message").asText()).as(a.raw()).isNotBlank();
  }

  private static HttpRequest.Builder request(int port, String path, String authorization) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return b;
  }

  private static Answer get(int port, String path, String authorization) throws Exception {
    return answer(client.send(request(port, path, authorization).GET().build(), HttpResponse.BodyHandlers.ofString()));
  }

  private static Answer post(int port, String path, String json, String token) throws Exception {
    return answer(client.send(request(port, path, token == null ? null : "Bearer " + token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString()));
  }

  private static Answer answer(HttpResponse<String> r) throws IOException {
    if (r.request().uri().getPort() != serving.opsPort()) { // the ops listener is not the API
      ContractCheck.assertKept(r.request().method(), r.request().uri().getRawPath(), r.statusCode(), r.body());
    }
    JsonNode body = r.body().isEmpty() ? null : Json.MAPPER.readTree(r.body());
    return new Answer(r.statusCode(), r, body, r.body());
  }
}
