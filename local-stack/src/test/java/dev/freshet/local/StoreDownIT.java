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
 * With its CQL store gone, serving still answers generate requests, unpersonalised and saying so,
 * and reports the feature endpoint as unavailable. Uses its own CQL server so it can stop it.
 */
class StoreDownIT {

  @Test
  void generateDegradesToUnpersonalisedWhenTheStoreIsDown() throws Exception {
    Path dir = Files.createTempDirectory("freshet-store-down");
    CassandraServer cql = CassandraServer.start(dir.resolve("cassandra"), Duration.ofSeconds(180));
    ServingService serving = null;
    try {
      String contact = cql.host() + ":" + cql.nativePort();
      try (CqlSession session = CqlSessions.open(contact, cql.localDatacenter(), Duration.ofSeconds(5))) {
        FeatureStoreMigrations.apply(session, FeatureStoreSchema.DEFAULT_KEYSPACE, FeatureStoreMigrations.replication(1, ""));
        new FeatureStoreWriter(session, FeatureStoreSchema.DEFAULT_KEYSPACE, Duration.ZERO, 1).write(new FeatureVector("7",
            Map.of("last_viewed_category", "music", "last_viewed_author", "eco", "purchase_amount_24h", 80, "events_1h", 3),
            Instant.now(), 100, Instant.now(), 100, Instant.now(), 1)).get();
      }
      serving = ServingService.start(ServingConfig.from(Settings.of(Map.of(
          "cql.contact-points", contact,
          "http.port", Integer.toString(FreePorts.pick()),
          "generator.scratch-dir", dir.resolve("model").toString()))));
      HttpJson http = new HttpJson("http://127.0.0.1:" + serving.port());
      String request = "{\"user_id\":\"7\",\"prompt\":\"recommend something\"}";

      HttpJson.Response up = http.post("/v1/generate", request);
      assertThat(up.body().path("personalized").asBoolean()).isTrue();
      assertThat(up.body().path("text").asText()).contains("music");

      cql.close();

      HttpJson.Response down = http.post("/v1/generate", request);
      assertThat(down.status()).isEqualTo(200);
      assertThat(down.body().path("personalized").asBoolean()).isFalse();
      assertThat(down.body().path("reason").asText()).contains("feature store");
      assertThat(down.body().path("text").asText()).isNotBlank();
      HttpJson.Response features = http.get("/v1/users/7/features");
      assertThat(features.status()).isEqualTo(503);
      assertThat(features.body().path("error").asText()).isEqualTo("feature_store_unavailable");
      assertThat(http.get("/ready").status()).isEqualTo(503);
    } finally {
      if (serving != null) {
        serving.close();
      }
      cql.close();
      FreshetLocal.deleteRecursively(dir);
    }
  }
}
