package dev.freshet.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.freshet.common.Json;
import dev.freshet.common.Settings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real serving listeners answer every kind of error with the documented JSON and the right
 * status, including those Jetty and Javalin produce before any handler of ours runs.
 */
class HttpErrorsIT {
  private static final int LIMIT = 64 * 1024;
  @TempDir static Path scratch;
  static ServingService serving;
  static HttpClient client = HttpClient.newHttpClient();
  static String key;

  @BeforeAll
  static void start() {
    key = TestKeys.all(scratch.resolve("api-keys.json"));
    serving = ServingService.start(ServingConfig.from(Settings.of(Map.of(
        "cql.contact-points", "127.0.0.1:1",
        "http.port", "0",
        "admin.port", "0",
        "ops.port", "0",
        "auth.keys-file", scratch.resolve("api-keys.json").toString(),
        "http.max-body-bytes", Integer.toString(LIMIT),
        "generation-log.enabled", "false",
        "generator.scratch-dir", scratch.toString()))));
  }

  @AfterAll
  static void stop() {
    serving.close();
  }

  @Test
  void unknownRoutesAndEmptySegmentsAre404() throws Exception {
    assertError(send("GET", "/nope", null, null), 404, "not_found");
    assertError(send("GET", "/v1/users//features", null, null), 404, "not_found");
    assertError(send("POST", "/admin/models/default/reload", "", null), 404, "not_found");
  }

  @Test
  void aWrongMethodIs405() throws Exception {
    assertError(send("DELETE", "/v1/generate", null, null), 405, "method_not_allowed");
    assertError(send("PUT", "/v1/users/1/features", "{}", "application/json"), 405, "method_not_allowed");
  }

  @Test
  void controlCharactersAndMalformedPathsAre400() throws Exception {
    assertError(send("GET", "/v1/users/%00/features", null, null), 400, null);
    assertError(send("GET", "/v1/users/a%01b/features", null, null), 400, null);
    assertError(raw("GET /v1/users/%ZZ/features HTTP/1.1\r\nHost: x\r\n\r\n"), 400, null);
    assertError(raw("GET /v1/users/\u0001/features HTTP/1.1\r\nHost: x\r\n\r\n"), 400, null);
    assertError(raw("GET /v1/users/1/features HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"), 400, null);
  }

  @Test
  void anOversizedBodyIs413NamingTheLimit() throws Exception {
    String big = "{\"user_id\": \"1\", \"prompt\": \"" + "x".repeat(LIMIT * 2) + "\"}";
    // Expect: 100-continue, so the server's early 413 cannot race the client still writing the body
    // (a connection closed mid-upload loses the answer: "header parser received no bytes").
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + serving.port() + "/v1/generate"))
        .expectContinue(true).header("Content-Type", "application/json").header("Authorization", "Bearer " + key)
        .POST(HttpRequest.BodyPublishers.ofString(big)).build(), HttpResponse.BodyHandlers.ofString());
    Answer a = new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), parse(r.body()), r.body());
    ContractCheck.assertKept("POST", "/v1/generate", a.status(), a.raw());
    assertError(a, 413, "body_too_large");
    assertThat(a.body().path("message").asText()).contains(Integer.toString(LIMIT));
  }

  @Test
  void aBodyThatIsNotDeclaredJsonIs415AndMalformedJsonIs400() throws Exception {
    String body = "{\"user_id\": \"1\", \"prompt\": \"hi\"}";
    assertError(send("POST", "/v1/generate", body, "text/plain"), 415, "unsupported_media_type");
    assertError(send("POST", "/v1/generate", body, "application/x-www-form-urlencoded"), 415, "unsupported_media_type");
    assertError(send("POST", "/v1/features", "{\"user_ids\": [\"1\"]}", "text/plain"), 415, "unsupported_media_type");
    assertError(send("POST", "/v1/generate", "{\"user_id\": ", "application/json; charset=utf-8"), 400, "invalid_json");
  }

  @Test
  void theAdminListenerAnswersJsonToo() throws Exception {
    assertError(sendTo(serving.adminPort(), "GET", "/nope", null, null), 404, "not_found");
    assertError(sendTo(serving.adminPort(), "POST", "/admin/models/nope/reload", "", null), 404, "model_not_found");
    Answer refused = sendTo(serving.adminPort(), "POST", "/admin/models/default/reload", "{\"dir\": \"/tmp\"}", "application/json");
    assertError(refused, 400, "invalid_request");
    assertThat(refused.body().path("field").asText()).isEqualTo("dir");
    assertThat(refused.body().path("message").asText()).doesNotContain("/tmp");
  }

  /**
   * No feature store runs here. With {@code min_lsn} the answer is the same as without it, whatever
   * the timing: feature reads 503, generation unpersonalised with the reason (never a 5xx from the
   * freshness check, never a request that hangs).
   */
  @Test
  void withTheStoreDownAMinLsnChangesNothingAboutTheAnswer() throws Exception {
    assertError(send("GET", "/v1/users/1/features?min_lsn=0/10", null, null), 503, "feature_store_unavailable");
    assertError(send("POST", "/v1/features", "{\"user_ids\": [\"1\"], \"min_lsn\": \"0/10\"}", "application/json"), 503,
        "feature_store_unavailable");
    for (String minLsn : new String[] {"", ", \"min_lsn\": \"0/10\""}) {
      Answer a = send("POST", "/v1/generate", "{\"user_id\": \"1\", \"prompt\": \"hi\", \"max_tokens\": 4" + minLsn + "}",
          "application/json");
      assertThat(a.status()).as(a.raw()).isEqualTo(200);
      assertThat(a.body().path("personalized").asBoolean()).as(a.raw()).isFalse();
      assertThat(a.body().path("reason").asText()).as(a.raw()).contains("feature store");
    }
  }

  private record Answer(int status, String contentType, JsonNode body, String raw) {}

  private static void assertError(Answer a, int status, String error) {
    assertThat(a.status()).as(a.raw()).isEqualTo(status);
    assertThat(a.contentType()).as(a.raw()).startsWith("application/json");
    assertThat(a.body()).as(a.raw()).isNotNull();
    assertThat(a.body().path("message").asText()).as(a.raw()).isNotBlank();
    assertThat(a.body().path("error").asText()).as(a.raw()).isNotBlank();
    if (error != null) {
      assertThat(a.body().path("error").asText()).as(a.raw()).isEqualTo(error);
    }
  }

  private static Answer send(String method, String path, String body, String contentType) throws Exception {
    return sendTo(serving.port(), method, path, body, contentType);
  }

  private static Answer sendTo(int port, String method, String path, String body, String contentType) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    b.header("Authorization", "Bearer " + key);
    HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    ContractCheck.assertKept(method, path, r.statusCode(), r.body());
    return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), parse(r.body()), r.body());
  }

  /** Bytes no well-behaved client sends, straight onto the socket. */
  private static Answer raw(String request) throws IOException {
    try (Socket s = new Socket("127.0.0.1", serving.port())) {
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      s.shutdownOutput();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      in.transferTo(all);
      String response = all.toString(StandardCharsets.UTF_8);
      int status = Integer.parseInt(response.substring(9, 12));
      String head = response.substring(0, Math.max(0, response.indexOf("\r\n\r\n")));
      String type = head.lines().filter(l -> l.toLowerCase().startsWith("content-type:")).map(l -> l.substring(13).trim())
          .findFirst().orElse("");
      String body = response.substring(response.indexOf("\r\n\r\n") + 4);
      String[] line = request.split(" ", 3);
      ContractCheck.assertKept(line[0], line[1], status, body);
      return new Answer(status, type, parse(body), response);
    }
  }

  private static JsonNode parse(String body) {
    try {
      return Json.MAPPER.readTree(body);
    } catch (IOException e) {
      return null;
    }
  }
}
