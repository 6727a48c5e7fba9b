package dev.freshet.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.freshet.common.Json;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code /v1/generate} on the real pipeline: conditioning on live features, the generation log, hot reload. */
@ExtendWith(SharedStack.class)
class GenerationIT {
  DemoDatabase db;
  HttpJson http;
  HttpJson admin;

  @BeforeEach
  void setUp() {
    db = SharedStack.get().db();
    http = SharedStack.get().pipeline().api();
    admin = SharedStack.get().pipeline().admin();
  }

  @Test
  void twoUsersWithDifferentLiveProfilesGetDifferentProfileConsistentText() {
    db.upsertUser(910_001, "ka", "FR");
    db.insertEvent(910_001, "view", "novel-9", "books", "borges", null);
    db.insertEvent(910_001, "purchase", "novel-9", "books", "borges", new BigDecimal("9.99"));
    db.upsertUser(910_002, "lu", "FR");
    db.insertEvent(910_002, "view", "game-9", "games", "jemisin", null);
    db.insertEvent(910_002, "purchase", "game-9", "games", "jemisin", new BigDecimal("250.00"));
    Served.awaitFeatures(http, 910_001, f -> EndToEndIT.amount(f).compareTo(new BigDecimal("9.99")) == 0);
    Served.awaitFeatures(http, 910_002, f -> EndToEndIT.amount(f).compareTo(new BigDecimal("250.00")) == 0);

    JsonNode a = generate(910_001, null);
    JsonNode b = generate(910_002, null);
    assertThat(a.path("text").asText()).contains("looking at books").contains("by borges").contains("affordable");
    assertThat(b.path("text").asText()).contains("looking at games").contains("by jemisin").contains("premium");
    assertThat(a.path("features_used").path("last_viewed_author").asText()).isEqualTo("borges");
    assertThat(a.path("features_not_understood").size()).isZero();
    assertThat(a.path("stop").asText()).isEqualTo("end_token");
  }

  @Test
  void aCategoryTheModelDoesNotKnowIsReportedNotInvented() {
    long user = 910_003;
    db.upsertUser(user, "mo", "DE");
    db.insertEvent(user, "view", "yacht-1", "yachts", "dickens", null);
    Served.awaitFeatures(http, user, f -> "yachts".equals(f.path("features").path("last_viewed_category").asText()));

    JsonNode r = generate(user, null);
    assertThat(r.path("features_not_understood").path("last_viewed_category").asText()).isEqualTo("yachts");
    assertThat(r.path("features_used").has("last_viewed_category")).isFalse();
    assertThat(r.path("prompt").asText()).contains("category other");
    assertThat(r.path("text").asText()).doesNotContain("yachts").contains("something new for you").contains("by dickens");
  }

  @Test
  void aGenerationAppearsInTheIcebergLogWithItsFeaturesProvenance() {
    long user = 910_004;
    db.upsertUser(user, "ny", "US");
    db.insertEvent(user, "view", "album-9", "music", "calvino", null);
    db.insertEvent(user, "purchase", "album-9", "music", "calvino", new BigDecimal("75.00"));
    JsonNode features = Served.awaitFeatures(http, user, f -> EndToEndIT.amount(f).compareTo(new BigDecimal("75.00")) == 0);
    String requestId = "it-" + UUID.randomUUID();
    JsonNode r = generate(user, requestId);
    assertThat(r.path("request_id").asText()).isEqualTo(requestId);

    Record row = Served.awaitRows(SharedStack.get().pipeline().offlineSink().generationLog(), "request_id", requestId, x -> true).get(0);
    assertThat(row.getField("user_id")).isEqualTo(Long.toString(user));
    assertThat(row.getField("output")).isEqualTo(r.path("text").asText());
    assertThat(row.getField("prompt")).isEqualTo(r.path("prompt").asText());
    assertThat(row.getField("model") + "@" + row.getField("model_version")).isEqualTo(r.path("model").asText());
    assertThat((Long) row.getField("features_source_lsn")).as("the vector the prompt came from")
        .isEqualTo(r.path("features").path("source_lsn").asLong()).isEqualTo(features.path("source_lsn").asLong());
    assertThat(row.getField("features_event_time")).isNotNull();
    Map<?, ?> used = Json.read((String) row.getField("features_used"), Map.class);
    assertThat(used.get("last_viewed_author")).isEqualTo("calvino");
    assertThat((Integer) row.getField("tokens")).isEqualTo(r.path("tokens").asInt());
  }

  @Test
  void reloadingTheModelWhileRequestsAreInFlightLosesNone() throws Exception {
    long user = 910_005;
    db.upsertUser(user, "oz", "US");
    db.insertEvent(user, "view", "film-9", "films", "kafka", null);
    Served.awaitFeatures(http, user, f -> "films".equals(f.path("features").path("last_viewed_category").asText()));
    String expected = generate(user, null).path("text").asText();

    AtomicBoolean reloading = new AtomicBoolean(true);
    ExecutorService clients = Executors.newFixedThreadPool(6);
    List<Future<List<HttpJson.Response>>> results = new ArrayList<>();
    for (int c = 0; c < 6; c++) {
      results.add(clients.submit(() -> {
        List<HttpJson.Response> answers = new ArrayList<>();
        while (reloading.get()) {
          answers.add(http.post("/v1/generate", "{\"user_id\": " + user + ", \"prompt\": \"recommend something\"}"));
        }
        return answers;
      }));
    }
    for (int i = 0; i < 5; i++) {
      Thread.sleep(150);
      HttpJson.Response reload = admin.post("/admin/models/default/reload", "");
      assertThat(reload.status()).as(String.valueOf(reload.body())).isEqualTo(200);
    }
    reloading.set(false);
    int answered = 0;
    for (Future<List<HttpJson.Response>> f : results) {
      for (HttpJson.Response r : f.get()) {
        assertThat(r.status()).as(String.valueOf(r.body())).isEqualTo(200);
        assertThat(r.body().path("text").asText()).isEqualTo(expected);
        answered++;
      }
    }
    clients.shutdown();
    assertThat(answered).isGreaterThan(6);

    Path root = Path.of(SharedStack.get().pipeline().settings().requireString("generator.models-root"));
    Files.createDirectories(root.resolve("broken"));
    Files.writeString(root.resolve("broken").resolve("manifest.properties"), "type=djl-gru\nname=x\nversion=1\n");
    HttpJson.Response broken = admin.post("/admin/models/default/reload", "{\"dir\": \"broken\"}");
    assertThat(broken.status()).as(String.valueOf(broken.body())).isEqualTo(422);
    assertThat(broken.body().path("error").asText()).isEqualTo("model_load_failed");
    assertThat(broken.body().path("message").asText()).as("names no server path or loader message")
        .doesNotContain(root.toString()).doesNotContain("/").doesNotContain("Exception").doesNotContain("vocab");
    for (String outside : List.of("/etc", "../../..", root.getParent().toString(), "broken/../../models")) {
      HttpJson.Response refused = admin.post("/admin/models/default/reload", Json.write(Map.of("dir", outside)));
      assertThat(refused.status()).as(outside + ": " + refused.body()).isEqualTo(400);
      assertThat(refused.body().path("field").asText()).isEqualTo("dir");
      assertThat(refused.body().toString()).as("names no server path").doesNotContain(root.toString()).doesNotContain(outside);
    }
    assertThat(admin.post("/admin/models/nope/reload", "").status()).isEqualTo(404);
    HttpJson.Response onApiPort = http.post("/admin/models/default/reload", "");
    assertThat(onApiPort.status()).as("the API port has no admin routes").isEqualTo(404);
    assertThat(onApiPort.body().path("error").asText()).isEqualTo("not_found");
    assertThat(http.get("/v1/models").body().path("models").has("default")).isTrue();
    assertThat(http.get("/v1/models").body().toString()).as("the API names no server paths").doesNotContain("\"dir\"");
    assertThat(generate(user, null).path("text").asText()).as("still serving after a failed reload").isEqualTo(expected);
  }

  @Test
  void aRequestPastItsTimeoutIsAnswered504AndBadModelFieldsAre400() {
    long user = 910_006;
    db.upsertUser(user, "pi", "US");
    db.insertEvent(user, "view", "novel-3", "books", "eco", null);
    Served.awaitFeatures(http, user, f -> true);
    HttpJson.Response late = http.post("/v1/generate", "{\"user_id\": " + user + ", \"prompt\": \"recommend\", \"timeout_ms\": 1}");
    assertThat(late.status()).as(String.valueOf(late.body())).isEqualTo(504);
    assertThat(late.body().path("error").asText()).isEqualTo("deadline_exceeded");
    assertThat(late.body().path("message").asText()).isNotBlank();
    HttpJson.Response unknown = http.post("/v1/generate", "{\"user_id\": " + user + ", \"prompt\": \"hi\", \"model\": \"gpt-17\"}");
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.body().path("field").asText()).isEqualTo("model");
    assertThat(unknown.body().path("message").asText()).contains("default");
  }

  private JsonNode generate(long user, String requestId) {
    String body = "{\"user_id\": " + user + ", \"prompt\": \"recommend something\"}";
    HttpJson.Response r = requestId == null ? http.post("/v1/generate", body)
        : http.post("/v1/generate", body, Map.of("X-Request-Id", requestId));
    assertThat(r.status()).as(String.valueOf(r.body())).isEqualTo(200);
    return r.body();
  }
}
