package dev.freshet.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import dev.freshet.common.CqlSessions;
import dev.freshet.common.FeatureStoreSchema;
import dev.freshet.common.FeatureVector;
import dev.freshet.common.Settings;
import dev.freshet.embedded.CassandraServer;
import dev.freshet.embedded.FreePorts;
import dev.freshet.online.FeatureStoreMigrations;
import dev.freshet.online.FeatureStoreWriter;
import dev.freshet.serving.ServingConfig;
import dev.freshet.serving.ServingService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Serving without its CQL store: it starts anyway, answers generate requests unpersonalised and
 * saying so, reports features and readiness as unavailable, and recovers by itself when the store
 * comes back (twice: after a start without it, and after losing it). Uses its own CQL server so it
 * can stop and restart it. No Kafka runs for it at all: the generation log must not hold answers up.
 */
class StoreDownIT {

  @Test
  void servingStartsWithoutTheStoreDegradesWhileItIsDownAndRecoversByItself() throws Exception {
    Path dir = Files.createTempDirectory("freshet-store-down");
    Path data = dir.resolve("cassandra");
    CassandraServer cql = CassandraServer.start(data, Duration.ofSeconds(180));
    ServingService serving = null;
    try {
      String contact = cql.host() + ":" + cql.nativePort();
      try (CqlSession session = CqlSessions.open(contact, cql.localDatacenter(), Duration.ofSeconds(5))) {
        FeatureStoreMigrations.apply(session, FeatureStoreSchema.DEFAULT_KEYSPACE, FeatureStoreMigrations.replication(1, ""));
        try (FeatureStoreWriter writer = new FeatureStoreWriter(session, FeatureStoreSchema.DEFAULT_KEYSPACE, Duration.ZERO, 1)) {
          writer.write(new FeatureVector("7",
              Map.of("last_viewed_category", "music", "last_viewed_author", "eco", "purchase_amount_24h", 80, "events_1h", 3),
              Instant.now(), 100, Instant.now(), 100, Instant.now(), 1)).get();
        }
      }
      cql.close();

      // Started while the store is down: it comes up and answers, unpersonalised. Its generation
      // log points at a port where no broker listens: answers must not wait for the log either.
      serving = ServingService.start(ServingConfig.from(Settings.of(Map.of(
          "cql.contact-points", contact,
          "kafka.bootstrap-servers", "127.0.0.1:" + FreePorts.pick(),
          "http.port", Integer.toString(FreePorts.pick()),
          "ops.port", "0",
          "auth.keys-file", LocalApiKey.create(dir).toString(),
          "generator.scratch-dir", dir.resolve("model").toString()))));
      HttpJson http = new HttpJson("http://127.0.0.1:" + serving.port(), LocalApiKey.token(dir.resolve("api-keys.json")));
      HttpJson ops = new HttpJson("http://127.0.0.1:" + serving.opsPort());
      assertDegraded(http, ops);

      cql = CassandraServer.start(data, Duration.ofSeconds(180));
      Await.until(Duration.ofSeconds(60), "serving to read the store once it is back",
          () -> http.get("/v1/users/7/features").status(), s -> s == 200);
      assertThat(ops.get("/ready").status()).isEqualTo(200);
      HttpJson.Response up = http.post("/v1/generate", REQUEST);
      assertThat(up.body().path("personalized").asBoolean()).isTrue();
      assertThat(up.body().path("text").asText()).contains("music");

      cql.close();
      assertDegraded(http, ops);

      cql = CassandraServer.start(data, Duration.ofSeconds(180));
      Await.until(Duration.ofSeconds(60), "features again once the store restarted, serving untouched",
          () -> http.get("/v1/users/7/features").status(), s -> s == 200);
    } finally {
      if (serving != null) {
        serving.close();
      }
      cql.close();
      FreshetLocal.deleteRecursively(dir);
    }
  }

  private static final String REQUEST = "{\"user_id\":\"7\",\"prompt\":\"recommend something\"}";

  private static void assertDegraded(HttpJson http, HttpJson ops) {
    HttpJson.Response down = http.post("/v1/generate", REQUEST);
    assertThat(down.status()).isEqualTo(200);
    assertThat(down.body().path("personalized").asBoolean()).isFalse();
    assertThat(down.body().path("reason").asText()).contains("feature store");
    assertThat(down.body().path("text").asText()).isNotBlank();
    HttpJson.Response features = http.get("/v1/users/7/features");
    assertThat(features.status()).isEqualTo(503);
    assertThat(features.body().path("error").asText()).isEqualTo("feature_store_unavailable");
    assertThat(features.body().toString()).doesNotContain("Exception");
    assertThat(ops.get("/ready").status()).isEqualTo(503);
  }
}
