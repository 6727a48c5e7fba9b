package dev.freshet.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import dev.freshet.common.CqlSessions;
import dev.freshet.common.DeadLetter;
import dev.freshet.common.FeatureVector;
import dev.freshet.common.Json;
import dev.freshet.common.Settings;
import dev.freshet.embedded.LocalServers;
import dev.freshet.online.FeatureStoreMigrations;
import dev.freshet.online.FeatureStoreWriter;
import dev.freshet.online.OnlineSinkConfig;
import dev.freshet.online.OnlineSinkService;
import dev.freshet.serving.FeatureStoreReader;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** online-sink against the real CQL server: schema migrations, ordering, TTL, dead letters. */
@ExtendWith(SharedStack.class)
class OnlineSinkIT {
  CqlSession session;
  String keyspace;

  @BeforeEach
  void setUp() {
    LocalServers servers = SharedStack.get().servers();
    session = CqlSessions.open(servers.cql.host() + ":" + servers.cql.nativePort(), servers.cql.localDatacenter(), Duration.ofSeconds(10));
    keyspace = "it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }

  @AfterEach
  void tearDown() {
    session.execute("DROP KEYSPACE IF EXISTS " + keyspace);
    session.close();
  }

  @Test
  void migrationsRunTwiceChangeNothingAndUpgradeATableThatPredatesThem() {
    session.execute("CREATE KEYSPACE " + keyspace + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    session.execute("CREATE TABLE " + keyspace + ".user_features (user_id text PRIMARY KEY, features text, event_time timestamp, "
        + "source_lsn bigint, source_commit_time timestamp, version bigint, computed_at timestamp)"); // as issue 2 made it

    assertThat(FeatureStoreMigrations.apply(session, keyspace, FeatureStoreMigrations.replication(1, ""))).containsExactly(1, 2, 3);
    String schema = describe();
    assertThat(FeatureStoreMigrations.apply(session, keyspace, FeatureStoreMigrations.replication(1, ""))).isEmpty();
    assertThat(describe()).isEqualTo(schema);
    assertThat(session.execute("SELECT count(*) FROM " + keyspace + ".schema_migrations").one().getLong(0)).isEqualTo(3);
    assertThat(schema).contains("definition_version").contains("LeveledCompactionStrategy").contains("freshness_watermarks");
  }

  @Test
  void anOlderVectorReplayedAfterANewerOneLeavesTheNewer() throws Exception {
    migrate();
    try (FeatureStoreWriter writer = new FeatureStoreWriter(session, keyspace, Duration.ZERO, 4)) {
      writer.write(vector("u1", 2_000, "new")).get();
      writer.write(vector("u1", 1_000, "old")).get(); // a replay after a restart, or a reordering
    }
    Optional<FeatureVector> stored = new FeatureStoreReader(session, keyspace).read("u1");
    assertThat(stored).get().extracting(FeatureVector::version).isEqualTo(2_000L);
    assertThat(stored.get().features()).containsEntry("label", "new");
  }

  /**
   * Forgetting a user removes its row and does not block what comes after: a vector published
   * after the forget is stored, even when its version (the publishing engine's clock) is a second
   * behind the clock of whoever ran the forget.
   */
  @Test
  void aForgottenUsersLaterVectorsAreStoredAgain() throws Exception {
    migrate();
    FeatureStoreReader reader = new FeatureStoreReader(session, keyspace);
    long publishedBefore = Instant.now().minusSeconds(5).toEpochMilli() * 1000;
    try (FeatureStoreWriter writer = new FeatureStoreWriter(session, keyspace, Duration.ZERO, 4)) {
      writer.write(vector("u4", publishedBefore, "before")).get();
      assertThat(writer.forget("u4")).isTrue();
      assertThat(reader.read("u4")).isEmpty();
      assertThat(writer.forget("u4")).as("nothing left to forget").isFalse();

      long publishedAfterOnASlowClock = Instant.now().minusSeconds(1).toEpochMilli() * 1000;
      writer.write(vector("u4", publishedAfterOnASlowClock, "after")).get();
    }
    assertThat(reader.read("u4")).as("the vector published after the forget").get()
        .satisfies(v -> assertThat(v.features()).containsEntry("label", "after"));
  }

  @Test
  void rowsExpireAfterTheTtl() throws Exception {
    migrate();
    try (FeatureStoreWriter writer = new FeatureStoreWriter(session, keyspace, Duration.ofSeconds(2), 4)) {
      writer.write(vector("u2", 10, "short-lived")).get();
    }
    FeatureStoreReader reader = new FeatureStoreReader(session, keyspace);
    assertThat(reader.read("u2")).isPresent();
    Await.until(Duration.ofSeconds(30), "the row of u2 to expire", () -> reader.read("u2"), Optional::isEmpty);
  }

  @Test
  void aPoisonRecordIsDeadLetteredAndTheSinkGoesOn() throws Exception {
    SharedStack.Running stack = SharedStack.get();
    String bootstrap = stack.pipeline().settings().requireString("kafka.bootstrap-servers");
    String topic = "it.features." + keyspace;
    Settings settings = stack.pipeline().settings().with(Map.of(
        "topics.features", topic, "cql.keyspace", keyspace, "online-sink.group-id", "it-" + keyspace));
    try (OnlineSinkService sink = OnlineSinkService.start(OnlineSinkConfig.from(settings));
        KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
            new StringSerializer(), new StringSerializer())) {
      String poison = "{\"user_id\": 42, \"features\": \"not an object\"} " + keyspace;
      producer.send(new ProducerRecord<>(topic, "u3", poison));
      producer.send(new ProducerRecord<>(topic, "u3", Json.write(vector("u3", 7, "after the poison"))));
      producer.flush();

      FeatureStoreReader reader = new FeatureStoreReader(session, keyspace);
      Await.until(Duration.ofSeconds(60), "the vector after the poison record", () -> reader.read("u3"), Optional::isPresent);
      DeadLetter dead = DeadLetterTopic.awaitOriginal(bootstrap, poison);
      assertThat(dead.stage()).isEqualTo("online-sink");
      assertThat(dead.reason()).startsWith("not a feature vector");
      assertThat(dead.sourceTopic()).isEqualTo(topic);
      assertThat(sink.failure()).isNull();
    }
  }

  private void migrate() {
    FeatureStoreMigrations.apply(session, keyspace, FeatureStoreMigrations.replication(1, ""));
  }

  private String describe() {
    StringBuilder s = new StringBuilder();
    session.execute("SELECT table_name, column_name, type FROM system_schema.columns WHERE keyspace_name = ?", keyspace)
        .forEach(r -> s.append(r.getString(0)).append('.').append(r.getString(1)).append(' ').append(r.getString(2)).append('\n'));
    session.execute("SELECT compaction, compression, caching, bloom_filter_fp_chance FROM system_schema.tables "
        + "WHERE keyspace_name = ? AND table_name = 'user_features'", keyspace).forEach(r -> s.append(r.getFormattedContents()));
    return s.toString();
  }

  private static FeatureVector vector(String user, long version, String label) {
    Instant now = Instant.now();
    return new FeatureVector(user, Map.of("label", label), now, version, now, version, now, 1);
  }
}
