package dev.freshet.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.freshet.common.DeadLetter;
import dev.freshet.common.Json;
import dev.freshet.common.Settings;
import dev.freshet.common.Topics;
import dev.freshet.common.definitions.FeatureDefinitions;
import dev.freshet.common.definitions.SourceDefinition;
import dev.freshet.common.freshness.ConsistencyToken;
import dev.freshet.common.freshness.Lsn;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.Record;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** PostgreSQL row changes -> Debezium -> Kafka -> Streams -> CQL/Iceberg -> HTTP, all real. */
@ExtendWith(SharedStack.class)
class EndToEndIT {
  static final Duration WAIT = Served.WAIT;

  DemoDatabase db;
  HttpJson http;

  @BeforeEach
  void setUp() {
    db = SharedStack.get().db();
    http = SharedStack.get().pipeline().api();
  }

  @Test
  void aPurchaseInPostgresMovesTheFeaturesAndTheGeneratedText() {
    long user = 900_001;
    db.upsertUser(user, "ada", "FR");
    db.insertEvent(user, "view", "novel-1", "books", "atwood", null);
    db.insertEvent(user, "purchase", "novel-1", "books", "atwood", new BigDecimal("12.50"));
    JsonNode first = awaitFeatures(user, f -> amount(f).compareTo(new BigDecimal("12.50")) == 0);
    assertThat(first.path("features").path("events_1h").asInt()).isEqualTo(2);
    assertThat(first.path("features").path("last_viewed_category").asText()).isEqualTo("books");
    assertThat(first.path("features").path("last_viewed_author").asText()).isEqualTo("atwood");
    assertThat(first.path("source_lsn").asLong()).isPositive();
    assertThat(first.path("age_ms").asLong()).isGreaterThanOrEqualTo(0);

    HttpJson.Response cheap = generate(user);
    assertThat(cheap.status()).isEqualTo(200);
    assertThat(cheap.body().path("personalized").asBoolean()).isTrue();
    assertThat(cheap.body().path("prompt").asText()).contains("spend low");
    assertThat(cheap.body().path("text").asText()).contains("looking at books").contains("affordable");

    db.insertEvent(user, "purchase", "novel-2", "books", "atwood", new BigDecimal("300.00"));
    awaitFeatures(user, f -> amount(f).compareTo(new BigDecimal("312.50")) == 0);
    HttpJson.Response premium = generate(user);
    assertThat(premium.body().path("prompt").asText()).contains("spend high");
    assertThat(premium.body().path("text").asText()).contains("premium");
    assertThat(premium.body().path("text").asText()).isNotEqualTo(cheap.body().path("text").asText());
  }

  @Test
  void updatesAndDeletesCorrectInsteadOfAdding() {
    long user = 900_002;
    db.upsertUser(user, "bo", "US");
    long kept = db.insertEvent(user, "purchase", "album-1", "music", "eco", new BigDecimal("10.00"));
    long removed = db.insertEvent(user, "purchase", "album-2", "music", "eco", new BigDecimal("5.00"));
    awaitFeatures(user, f -> amount(f).compareTo(new BigDecimal("15.00")) == 0);
    db.update("UPDATE events SET amount = 25.00 WHERE id = ?", kept);
    db.update("DELETE FROM events WHERE id = ?", removed);
    JsonNode f = awaitFeatures(user, v -> amount(v).compareTo(new BigDecimal("25.00")) == 0);
    assertThat(f.path("features").path("events_1h").asInt()).isEqualTo(1);
  }

  @Test
  void servedFeaturesEqualABruteForceRecomputationFromTheSourceRows() {
    DemoWorkload workload = new DemoWorkload(db, 25, 1000, 11);
    workload.seedUsers();
    workload.runChanges(600); // inserts, updates and deletes, as fast as PostgreSQL takes them
    ReferenceFeatures reference = new ReferenceFeatures(db.dataSource());
    Await.until(WAIT, "served features of users 1..25 to equal the reference", () -> reference.mismatches(http, 1, 25),
        List::isEmpty);
  }

  @Test
  void manyUsersInOneRequest() {
    db.upsertUser(900_010, "fy", "FR");
    db.insertEvent(900_010, "view", "film-1", "films", "kafka", null);
    db.upsertUser(900_011, "gi", "FR");
    db.insertEvent(900_011, "view", "novel-1", "books", "hesse", null);
    awaitFeatures(900_011, f -> true);
    awaitFeatures(900_010, f -> true);
    HttpJson.Response r = http.post("/v1/features", "{\"user_ids\": [\"900011\", \"nobody-1\", 900010]}");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body().path("vectors")).extracting(v -> v.path("user_id").asText()).containsExactly("900011", "900010");
    assertThat(r.body().path("vectors").get(1).path("features").path("last_viewed_category").asText()).isEqualTo("films");
    assertThat(r.body().path("not_found")).extracting(JsonNode::asText).containsExactly("nobody-1");
    assertBadField(http.post("/v1/features", "{\"user_ids\": []}"), "user_ids");
  }

  @Test
  void aRequestCarryingTheWritersLsnSeesThatWriteAndNeverAnOlderVector() {
    long user = 900_020;
    db.upsertUser(user, "ha", "FR");
    String token = null;
    for (int i = 1; i <= 20; i++) {
      db.insertEvent(user, "purchase", "item-" + i, "books", "eco", BigDecimal.ONE);
      token = db.consistencyToken(); // no waiting in between: the request itself waits
      HttpJson.Response r = http.get("/v1/users/" + user + "/features?min_lsn=" + token);
      assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
      assertThat(r.body().path("features").path("purchases_lifetime").asInt()).as("purchases seen after write " + i).isEqualTo(i);
      assertThat(r.body().path("watermark_lsn").asLong()).isGreaterThanOrEqualTo(Lsn.parse(token));
    }
    db.insertEvent(user, "purchase", "item-21", "books", "eco", BigDecimal.ONE);
    HttpJson.Response batch = http.post("/v1/features", "{\"user_ids\": [" + user + "], \"min_lsn\": \"" + db.consistencyToken() + "\"}");
    assertThat(batch.status()).isEqualTo(200);
    assertThat(batch.body().path("vectors").get(0).path("features").path("purchases_lifetime").asInt()).isEqualTo(21);

    long lastLsn = batch.body().path("vectors").get(0).path("source_lsn").asLong();
    db.insertEvent(user, "purchase", "item-22", "books", "eco", BigDecimal.ONE);
    HttpJson.Response generated = http.post("/v1/generate", "{\"user_id\": " + user + ", \"prompt\": \"recommend\", "
        + "\"max_tokens\": 8, \"min_lsn\": \"" + db.consistencyToken() + "\"}");
    assertThat(generated.status()).isEqualTo(200);
    assertThat(generated.body().path("features").path("source_lsn").asLong()).as("the 22nd purchase is in the prompt's features")
        .isGreaterThan(lastLsn);

    long asked = System.nanoTime();
    HttpJson.Response late = http.post("/v1/generate", "{\"user_id\": " + user + ", \"prompt\": \"recommend\", "
        + "\"max_tokens\": 8, \"timeout_ms\": 300, \"min_lsn\": \"FFFF/0\"}");
    assertThat(late.status()).as("timeout_ms bounds the freshness wait: " + late.body()).isEqualTo(504);
    assertThat(late.body().path("error").asText()).isEqualTo("deadline_exceeded");
    assertThat(Duration.ofNanos(System.nanoTime() - asked)).as("answered at the 300 ms deadline, not the 2 s wait")
        .isLessThan(Duration.ofMillis(1500));

    HttpJson.Response notYet = http.get("/v1/users/" + user + "/features?min_lsn=FFFF/0");
    assertThat(notYet.status()).isEqualTo(412);
    assertThat(notYet.body().path("error").asText()).isEqualTo("not_fresh");
    assertThat(notYet.body().path("message").asText()).contains("FFFF/0");
    assertBadField(http.get("/v1/users/" + user + "/features?min_lsn=yesterday"), "min_lsn");
    assertBadField(http.post("/v1/features", "{\"user_ids\": [1], \"min_lsn\": \"1/2/3\"}"), "min_lsn");
  }

  /**
   * The interleaving that made the old in-transaction token ({@code RETURNING pg_current_wal_lsn()})
   * unsound: the application writes; the watermark ticker's message commits after that position but
   * before the application's own commit. Logical decoding returns the ticker's transaction first,
   * so the watermark passes the in-transaction position while the write is not even committed (a
   * request with it was answered from the older vector: "expected 2 but was 1"). The token read
   * after the commit ({@link ConsistencyToken}) is past the commit, so the same interleaving cannot
   * fool it; read inside the transaction it is refused.
   */
  @Test
  void aTokenHoldsWhenAWatermarkCommitsBetweenTheWriteAndItsCommit() throws Exception {
    long user = 900_021;
    db.upsertUser(user, "io", "FR");
    db.insertEvent(user, "purchase", "item-1", "books", "eco", BigDecimal.ONE);
    awaitFeatures(user, f -> f.path("features").path("purchases_lifetime").asInt() == 1);
    try (Connection app = db.dataSource().getConnection(); Connection ticker = db.dataSource().getConnection()) {
      app.setAutoCommit(false);
      try (PreparedStatement ps = app.prepareStatement("INSERT INTO events (user_id, kind, item, category, author, amount)"
          + " VALUES (?, 'purchase', 'item-2', 'books', 'eco', 1)")) {
        ps.setLong(1, user);
        ps.executeUpdate();
      }
      String inTransaction = text(app, "SELECT pg_current_wal_lsn()::text");
      assertThatThrownBy(() -> ConsistencyToken.afterCommit(app)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("after COMMIT");
      text(ticker, "SELECT pg_logical_emit_message(true, 'freshet-watermark', '')::text");
      HttpJson.Response early = Await.until(WAIT, "the watermark to pass the in-transaction position",
          () -> http.get("/v1/users/" + user + "/features?min_lsn=" + inTransaction), r -> r.status() == 200);
      assertThat(early.body().path("features").path("purchases_lifetime").asInt()).as("not committed yet").isEqualTo(1);
      app.commit();
      String token = ConsistencyToken.afterCommit(app);
      HttpJson.Response r = http.get("/v1/users/" + user + "/features?min_lsn=" + token);
      assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
      assertThat(r.body().path("features").path("purchases_lifetime").asInt()).as("purchases seen with the token").isEqualTo(2);
      assertThat(r.body().path("watermark_lsn").asLong()).isGreaterThanOrEqualTo(Lsn.parse(token));
    }
  }

  private static String text(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  @Test
  void withoutAKeyOrWithTheWrongScopeNothingIsServed() {
    db.upsertUser(900_030, "kay", "FR");
    HttpJson.Response none = http.withKey(null).get("/v1/users/900030/features");
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.body().path("error").asText()).isEqualTo("missing_api_key");
    HttpJson.Response forged = http.withKey(LocalApiKey.ID + ".forged-secret").post("/v1/generate",
        "{\"user_id\": \"900030\", \"prompt\": \"hi\"}");
    assertThat(forged.status()).isEqualTo(401);
    assertThat(forged.body().path("error").asText()).isEqualTo("invalid_api_key");
  }

  @Test
  void unknownUsersAre404AndBadRequestsAre400NamingTheField() {
    HttpJson.Response missing = http.get("/v1/users/nobody-" + UUID.randomUUID() + "/features");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.body().path("error").asText()).isEqualTo("user_not_found");

    assertThat(http.post("/v1/generate", "{\"user_id\":\"nobody-1\",\"prompt\":\"hi\"}").status()).isEqualTo(404);
    assertBadField(http.post("/v1/generate", "{\"user_id\":\"1\"}"), "prompt");
    assertBadField(http.post("/v1/generate", "{\"prompt\":\"hi\"}"), "user_id");
    assertBadField(http.post("/v1/generate", "{\"user_id\":\"1\",\"prompt\":\"hi\",\"max_tokens\":0}"), "max_tokens");
    assertBadField(http.post("/v1/generate", "{\"user_id\":\"1\",\"prompt\":\"hi\",\"max_tokens\":\"many\"}"), "max_tokens");
    HttpJson.Response notJson = http.post("/v1/generate", "{not json");
    assertThat(notJson.status()).isEqualTo(400);
    assertThat(notJson.body().path("error").asText()).isEqualTo("invalid_json");
    assertThat(notJson.body().toString()).doesNotContain("Exception").doesNotContain("at dev.");
    assertBadField(http.get("/v1/users/not%20valid!/features"), "userId");
  }

  @Test
  void aMalformedChangeEventGoesToTheDeadLetterTopicAndThePipelineGoesOn() {
    Settings s = SharedStack.get().pipeline().settings();
    String bootstrap = s.requireString("kafka.bootstrap-servers");
    String garbage = "{\"op\":\"c\",\"after\":{\"id\":\"not-a-number\"},\"source\":{\"lsn\":1}} " + UUID.randomUUID();
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>(Topics.EVENTS_CHANGES, "{\"id\":-1}", garbage));
    }
    DeadLetter letter = DeadLetterTopic.awaitOriginal(bootstrap, garbage);
    assertThat(letter.stage()).isEqualTo("feature-streams");
    assertThat(letter.reason()).isNotBlank();
    assertThat(letter.sourceTopic()).isEqualTo(Topics.EVENTS_CHANGES);

    // A poison record on an internal topic: dead-lettered raw, with Kafka Streams' error headers.
    String poison = "{not a delta " + UUID.randomUUID();
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>("freshet-features-deltas-by-entity-repartition", "900004", poison));
    }
    ConsumerRecord<String, String> raw = DeadLetterTopic.await(bootstrap, r -> r.value().equals(poison));
    assertThat(new String(raw.headers().lastHeader("__streams.errors.exception").value())).contains("SerializationException");

    long user = 900_004;
    db.upsertUser(user, "cy", "DE");
    db.insertEvent(user, "view", "game-1", "games", "lem", null);
    awaitFeatures(user, f -> "games".equals(f.path("features").path("last_viewed_category").asText()));
  }

  @Test
  void everyVectorLandsInTheIcebergFeatureLog() throws Exception {
    long user = 900_003;
    db.upsertUser(user, "di", "DE");
    db.insertEvent(user, "purchase", "planter-1", "garden", "hesse", new BigDecimal("42.00"));
    JsonNode served = awaitFeatures(user, f -> amount(f).compareTo(new BigDecimal("42.00")) == 0);
    long lsn = served.path("source_lsn").asLong();
    Table table = SharedStack.get().pipeline().offlineSink().featureLog();
    Record rec = Served.awaitRows(table, "user_id", Long.toString(user), r -> (Long) r.getField("source_lsn") == lsn).stream()
        .filter(r -> (Long) r.getField("source_lsn") == lsn).findFirst().orElseThrow();
    Map<?, ?> features = Json.read((String) rec.getField("features"), Map.class);
    assertThat(new BigDecimal(features.get("purchase_amount_24h").toString())).isEqualByComparingTo("42.00");
    assertThat((Long) rec.getField("kafka_offset")).isNotNegative();
    Record typed = (Record) rec.getField("feature_values"); // one field per feature, of its type
    assertThat((BigDecimal) typed.getField("purchase_amount_24h")).isEqualByComparingTo("42.00");
    assertThat(typed.getField("events_1h")).isEqualTo(1L);
    assertThat(typed.getField("country")).isEqualTo("DE");
    assertThat(typed.getField("last_viewed_category")).isNull();

    // The change that produced it is in its source's change history, as written and unpacked.
    SourceDefinition events = FeatureDefinitions.bundled().sources().stream()
        .filter(s -> s.topic().equals(Topics.EVENTS_CHANGES)).findFirst().orElseThrow();
    Record change = Served.awaitRows(SharedStack.get().pipeline().offlineSink().changeHistory(events), "lsn", lsn, r -> true).get(0);
    assertThat(change.getField("op")).isEqualTo("c");
    assertThat(((Map<?, ?>) change.getField("after")).get("user_id")).isEqualTo(Long.toString(user));
    assertThat((String) change.getField("event")).contains("\"lsn\":" + lsn);
  }

  private HttpJson.Response generate(long user) {
    return http.post("/v1/generate", "{\"user_id\":\"" + user + "\",\"prompt\":\"recommend something\",\"max_tokens\":48}");
  }

  private JsonNode awaitFeatures(long user, java.util.function.Predicate<JsonNode> done) {
    return Served.awaitFeatures(http, user, done);
  }

  static BigDecimal amount(JsonNode features) {
    return new BigDecimal(features.path("features").path("purchase_amount_24h").asText("0"));
  }

  private static void assertBadField(HttpJson.Response r, String field) {
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.body().path("error").asText()).isEqualTo("invalid_request");
    assertThat(r.body().path("field").asText()).isEqualTo(field);
    assertThat(r.body().path("message").asText()).isNotBlank();
  }
}
