package dev.freshet.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.datastax.oss.driver.api.core.CqlSession;
import dev.freshet.common.CqlConnection;
import dev.freshet.common.CqlSessions;
import dev.freshet.common.FeatureStoreSchema;
import dev.freshet.common.FeatureVector;
import dev.freshet.common.KafkaConnection;
import dev.freshet.common.Settings;
import dev.freshet.embedded.CassandraServer;
import dev.freshet.embedded.KafkaBroker;
import dev.freshet.embedded.PostgresServer;
import dev.freshet.embedded.TestCertificates;
import dev.freshet.ingest.IngestCdcConfig;
import dev.freshet.ingest.IngestCdcService;
import dev.freshet.online.FeatureStoreMigrations;
import dev.freshet.online.FeatureStoreWriter;
import dev.freshet.serving.ServingConfig;
import dev.freshet.serving.ServingService;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The connections a deployment secures, against real servers configured that way with
 * certificates the test makes: a source PostgreSQL that accepts TLS only (pg_hba {@code hostssl}),
 * and a Kafka broker whose clients must use SASL_SSL (SCRAM-SHA-512). Wrong credentials and
 * servers the client cannot verify are refused; ingest-cdc, configured by its documented keys
 * ({@code source.sslmode=verify-full}, {@code kafka.security.protocol=SASL_SSL}, ...), carries a
 * row from one to the other — its producer, its admin client and Debezium's offset store all
 * through SASL_SSL — and a consumer built the way the sinks build theirs reads it back. And a CQL
 * node that requires TLS and a login: online-sink's store set-up and serving's reads go through
 * with {@code cql.username}, {@code cql.password} and {@code cql.ssl.truststore}.
 */
class SecuredConnectionsIT {
  private static final String USER = "freshet";
  private static final String PASSWORD = "kafka-secret-for-the-test";
  @TempDir Path dir;

  @Test
  void ingestCdcReplicatesFromATlsOnlySourceIntoASaslSslBroker() throws Exception {
    TestCertificates pgCerts = TestCertificates.create(dir.resolve("certs"), "postgres");
    TestCertificates kafkaCerts = TestCertificates.create(dir.resolve("certs"), "kafka");
    TestCertificates impostor = TestCertificates.create(dir.resolve("impostor"), "impostor");
    try (PostgresServer pg = PostgresServer.start(dir.resolve("pg"), "shop", pgCerts);
        KafkaBroker kafka = KafkaBroker.startSecured(dir.resolve("kafka"), 2, kafkaCerts, USER, PASSWORD)) {
      String url = "jdbc:postgresql://127.0.0.1:" + pg.port() + "/shop?user=postgres";
      assertThatThrownBy(() -> DriverManager.getConnection(url + "&sslmode=disable").close()).as("plain connections")
          .hasMessageContaining("no encryption");
      assertThatThrownBy(() -> DriverManager.getConnection(url + "&sslmode=verify-full&sslrootcert=" + impostor.ca()).close())
          .as("a server certificate from a CA the client does not trust").hasMessageContaining("SSL");
      try (Connection verified = DriverManager.getConnection(url + "&sslmode=verify-full&sslrootcert=" + pgCerts.ca())) {
        assertThat(verified.isValid(2)).isTrue();
      }

      Settings settings = Settings.of(Map.ofEntries(
          Map.entry("source.host", "127.0.0.1"), Map.entry("source.port", Integer.toString(pg.port())),
          Map.entry("source.database", "shop"), Map.entry("source.user", "postgres"),
          Map.entry("source.sslmode", "verify-full"), Map.entry("source.sslrootcert", pgCerts.ca().toString()),
          Map.entry("kafka.bootstrap-servers", kafka.bootstrapServers()), Map.entry("kafka.security.protocol", "SASL_SSL"),
          Map.entry("kafka.sasl.mechanism", "SCRAM-SHA-512"), Map.entry("kafka.sasl.username", USER),
          Map.entry("kafka.sasl.password", PASSWORD), Map.entry("kafka.ssl.truststore", kafkaCerts.ca().toString()),
          // Its own name: Debezium's metrics beans are named after it, and the shared stack's ingest-cdc may run in this JVM.
          Map.entry("cdc.topic-prefix", "secured"), Map.entry("cdc.slot", "secured"), Map.entry("ops.port", "0")));
      KafkaConnection connection = KafkaConnection.from(settings);
      assertThat(connection.toString()).doesNotContain(PASSWORD);
      assertRefused(new KafkaConnection(kafka.bootstrapServers(), "SASL_SSL", "SCRAM-SHA-512", USER, "wrong", kafkaCerts.ca().toString()),
          "Authentication failed");
      assertRefused(new KafkaConnection(kafka.bootstrapServers(), "SASL_SSL", "SCRAM-SHA-512", USER, PASSWORD, impostor.ca().toString()),
          "SSL handshake failed");

      DemoDatabase db = new DemoDatabase(pg.dataSource());
      db.createSchema();
      try (IngestCdcService cdc = IngestCdcService.start(IngestCdcConfig.from(settings))) {
        db.upsertUser(77, "tls", "FR");
        long event = db.insertEvent(77, "purchase", "book-1", "books", "eco", new BigDecimal("12.50"));
        assertThat(readUntil(connection, "secured.public.events", "\"id\":" + event + ",")).as("event " + event).isTrue();
      }
    }
  }

  @Test
  void theOnlineStoreIsWrittenAndServedThroughTlsWithALogin() throws Exception {
    TestCertificates certs = TestCertificates.create(dir.resolve("certs"), "cql");
    TestCertificates impostor = TestCertificates.create(dir.resolve("impostor"), "impostor");
    try (CassandraServer cql = CassandraServer.startSecured(dir.resolve("cql"), Duration.ofSeconds(180), certs)) {
      String contact = cql.host() + ":" + cql.nativePort();
      Map<String, String> keys = Map.of("cql.contact-points", contact, "cql.local-datacenter", cql.localDatacenter(),
          "cql.username", "cassandra", "cql.password", "cassandra", "cql.ssl.truststore", certs.ca().toString());
      CqlConnection secured = CqlConnection.from(Settings.of(keys));
      assertThat(secured.toString()).doesNotContain("password=").contains("TLS");
      // The node creates its default login a moment after it listens.
      CqlSession session = Await.until(Duration.ofSeconds(90), "a TLS session with the default login", () -> {
        try {
          return CqlSessions.open(secured, Duration.ofSeconds(5), Duration.ZERO);
        } catch (RuntimeException notYet) {
          return null;
        }
      }, java.util.Objects::nonNull);
      try (session) {
        FeatureStoreMigrations.apply(session, FeatureStoreSchema.DEFAULT_KEYSPACE, FeatureStoreMigrations.replication(1, ""));
        try (FeatureStoreWriter writer = new FeatureStoreWriter(session, FeatureStoreSchema.DEFAULT_KEYSPACE, Duration.ZERO, 1)) {
          writer.write(new FeatureVector("7", Map.of("events_1h", 3), Instant.now(), 100, Instant.now(), 100, Instant.now(), 1)).get();
        }
      }
      assertSessionRefused(CqlConnection.plain(contact, cql.localDatacenter()), "no TLS");
      assertSessionRefused(new CqlConnection(contact, cql.localDatacenter(), null, null, certs.ca(), true), "no login");
      assertSessionRefused(new CqlConnection(contact, cql.localDatacenter(), "cassandra", "wrong", certs.ca(), true), "a wrong password");
      assertSessionRefused(new CqlConnection(contact, cql.localDatacenter(), "cassandra", "cassandra", impostor.ca(), true),
          "a node the client cannot verify");

      Path keysFile = LocalApiKey.create(dir);
      Map<String, String> serving = new java.util.HashMap<>(keys);
      serving.putAll(Map.of("http.port", "0", "admin.port", "0", "ops.port", "0", "generation-log.enabled", "false",
          "auth.keys-file", keysFile.toString(), "generator.scratch-dir", dir.resolve("model").toString()));
      try (ServingService service = ServingService.start(ServingConfig.from(Settings.of(serving)))) {
        HttpJson http = new HttpJson("http://127.0.0.1:" + service.port(), LocalApiKey.token(keysFile));
        HttpJson.Response features = Await.until(Duration.ofSeconds(30), "serving to read through TLS",
            () -> http.get("/v1/users/7/features"), r -> r.status() == 200);
        assertThat(features.body().path("features").path("events_1h").asInt()).isEqualTo(3);
      }
    }
  }

  private static void assertSessionRefused(CqlConnection connection, String why) {
    assertThatThrownBy(() -> CqlSessions.open(connection, Duration.ofSeconds(5), Duration.ZERO).close()).as(why)
        .isInstanceOf(RuntimeException.class);
  }

  /** An admin client with {@code connection} cannot list topics: its error names why. */
  private static void assertRefused(KafkaConnection connection, String why) {
    Map<String, Object> props = connection.clientProperties();
    props.put("default.api.timeout.ms", "10000");
    props.put("request.timeout.ms", "5000");
    try (Admin admin = Admin.create(props)) {
      assertThatThrownBy(() -> admin.listTopics().names().get()).isInstanceOf(ExecutionException.class).hasMessageContaining(why);
    }
  }

  /** True once a record of {@code topic} contains {@code text} (60 s at most), read through {@code connection}. */
  private static boolean readUntil(KafkaConnection connection, String topic, String text) {
    Properties p = connection.properties();
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "secured-connections-it");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
          if (r.value() != null && r.value().contains(text)) {
            return true;
          }
        }
      }
      return false;
    }
  }
}
