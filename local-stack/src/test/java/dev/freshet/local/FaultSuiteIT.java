package dev.freshet.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.common.DeadLetter;
import dev.freshet.common.Json;
import dev.freshet.common.definitions.FeatureDefinitions;
import dev.freshet.common.freshness.Watermark;
import dev.freshet.embedded.ChildProcess;
import dev.freshet.embedded.FreePorts;
import dev.freshet.embedded.LocalServers;
import dev.freshet.offline.KafkaFedTable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.LongStream;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Faults on separate processes, as production runs the services: each of the five is a JVM of its
 * own, started from its main with a properties file of the kind Puppet writes, on the shared real
 * PostgreSQL, Kafka and CQL servers but with a database, topics, consumer groups, keyspace and
 * warehouse of its own. A seeded workload of inserts, updates, deletes and late inserts runs before
 * and while each service is down; each service in turn is killed with SIGKILL and started again.
 * After each fault every served vector equals the reference recomputation from PostgreSQL; at the
 * end the Iceberg feature log holds every vector of the features topic exactly once (by topic
 * position), the generation log no request twice, and the dead letters are the late inserts only.
 */
@ExtendWith(SharedStack.class)
class FaultSuiteIT {
  static final String NAME = "faults";
  static final List<String> SERVICES = List.of("ingest-cdc", "feature-streams", "online-sink", "offline-sink", "serving");
  static final Map<String, String> MAINS = Map.of(
      "ingest-cdc", "dev.freshet.ingest.IngestCdcService",
      "feature-streams", "dev.freshet.features.FeatureStreamsService",
      "online-sink", "dev.freshet.online.OnlineSinkService",
      "offline-sink", "dev.freshet.offline.OfflineSinkService",
      "serving", "dev.freshet.serving.ServingService");

  final Map<String, ChildProcess> running = new LinkedHashMap<>();
  final Map<String, Path> configs = new HashMap<>();
  Path dir;
  HttpJson http;
  String bootstrap;

  @AfterEach
  void stopServices() throws IOException, SQLException {
    running.values().forEach(ChildProcess::close);
    // An inactive slot would hold the server's WAL for the rest of the module's run.
    try (Connection c = SharedStack.get().servers().postgres.dataSource().getConnection(); Statement s = c.createStatement()) {
      s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + NAME + "'");
    }
    // The shared data directory goes when the module's run ends: keep the services' logs in the build output.
    Path keep = Files.createDirectories(Path.of("target", "fault-suite-logs"));
    try (var logs = Files.newDirectoryStream(dir, "*.log")) {
      for (Path log : logs) {
        Files.copy(log, keep.resolve(log.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  @Test
  void killingEachServiceWithSigkillLosesNothingAndDoublesNothing() throws Exception {
    SharedStack.Running stack = SharedStack.get();
    dir = Files.createDirectories(stack.dataDir().resolve(NAME));
    bootstrap = stack.pipeline().settings().requireString("kafka.bootstrap-servers");
    DemoDatabase db = new DemoDatabase(createDatabase(stack.servers()));
    db.createSchema();
    int httpPort = FreePorts.pick();
    writeConfigs(stack.servers(), httpPort);
    http = new HttpJson("http://127.0.0.1:" + httpPort);
    SERVICES.forEach(this::start);
    awaitReady("at the start");

    List<Long> users = LongStream.rangeClosed(7_001, 7_020).boxed().toList();
    RandomChanges changes = new RandomChanges(db, users, Duration.ofMinutes(8), 7);
    changes.run(300);
    Map<String, String> requestIds = new LinkedHashMap<>(); // id -> when it was asked
    checkpoint("with every service up", db, changes, users, requestIds);
    // Serving answers first and logs after (a bounded buffer, one sender): a crash right after an
    // answer may lose that generation's record, never write it twice.
    Set<String> answeredJustBeforeServingCrashed = new HashSet<>();
    for (String service : SERVICES) {
      if (service.equals("serving")) {
        answeredJustBeforeServingCrashed.addAll(lastCheckpointsRequests(requestIds));
      }
      running.remove(service).kill();
      changes.run(200); // while it is down
      start(service);
      changes.run(100);
      checkpoint("after SIGKILL of " + service + " and its restart (" + changes + ")", db, changes, users, requestIds);
    }

    assertFeatureLogHoldsEveryVectorOnce();
    assertGenerationLogHoldsEachRequestOnce(requestIds, answeredJustBeforeServingCrashed);
    List<DeadLetter> dead = deadLetters();
    assertThat(dead).as("dead letters").isNotEmpty()
        .allSatisfy(d -> assertThat(d.reason()).as(d.toString()).startsWith("late event"));
  }

  /** The services' own view must converge to the reference; a few generations on the way go to the generation log. */
  private void checkpoint(String when, DemoDatabase db, RandomChanges changes, List<Long> users, Map<String, String> requestIds) {
    awaitReady(when);
    FeatureReferenceIT.checkpoint(when, new ReferenceFeatures(db.dataSource(), changes.lateIds()), http, users);
    for (int i = 0; i < 3; i++) {
      String id = "fault-" + UUID.randomUUID();
      HttpJson.Response r = http.post("/v1/generate", "{\"user_id\": " + users.get(i) + ", \"prompt\": \"recommend\", \"max_tokens\": 4}",
          Map.of("X-Request-Id", id));
      assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
      requestIds.put(id, when);
    }
  }

  /** Serving answers /ready with 200 (while it starts, nothing listens yet: that is "not yet" too). */
  private void awaitReady(String when) {
    Await.until(Duration.ofSeconds(90), "serving to be ready " + when, () -> {
      try {
        return http.get("/ready").status();
      } catch (UncheckedIOException notListening) {
        return -1;
      }
    }, status -> status == 200);
  }

  private void start(String service) {
    running.put(service, TestJvm.start(NAME + "-" + service, List.of("-Xmx384m"), MAINS.get(service),
        List.of("--config", configs.get(service).toString()), Map.of(), dir.resolve(service + ".log")));
  }

  private PGSimpleDataSource createDatabase(LocalServers servers) throws SQLException {
    try (Connection c = servers.postgres.dataSource().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + NAME);
    }
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setUrl("jdbc:postgresql://" + servers.postgres.host() + ":" + servers.postgres.port() + "/" + NAME);
    ds.setUser("postgres");
    return ds;
  }

  /** One properties file per service, as profile::freshet::service writes them: its keys only, sorted. */
  private void writeConfigs(LocalServers servers, int httpPort) throws IOException {
    Path definitions = dir.resolve("features.yaml");
    try (InputStream in = FeatureDefinitions.class.getResourceAsStream(FeatureDefinitions.BUNDLED)) {
      String yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .replace("  - name: events\n", "  - name: events\n    topic: " + NAME + ".public.events\n")
          .replace("  - name: users\n", "  - name: users\n    topic: " + NAME + ".public.users\n");
      assertThat(yaml).contains(NAME + ".public.events").contains(NAME + ".public.users");
      Files.writeString(definitions, yaml);
    }
    Map<String, String> kafka = Map.of("kafka.bootstrap-servers", bootstrap, "topics.features", NAME + ".features.user",
        "topics.dead-letters", NAME + ".dead-letters", "topics.generations", NAME + ".generations");
    Map<String, String> cql = Map.of("cql.contact-points", servers.cql.host() + ":" + servers.cql.nativePort(),
        "cql.local-datacenter", servers.cql.localDatacenter(), "cql.keyspace", NAME);
    write("ingest-cdc", kafka, Map.of("source.host", servers.postgres.host(), "source.port", Integer.toString(servers.postgres.port()),
        "source.database", NAME, "source.user", "postgres", "cdc.topic-prefix", NAME, "cdc.slot", NAME, "cdc.publication", NAME,
        "cdc.offsets-topic", NAME + ".cdc.offsets"));
    write("feature-streams", kafka, Map.of("streams.application-id", NAME + "-features", "streams.state-dir",
        dir.resolve("streams").toString(), "features.definitions", definitions.toString(),
        // The group drops the killed member after this long (its minimum) instead of 45 s; the
        // restarted one gets its tasks back at once rather than as warm-up replicas (see SharedStack).
        "streams.kafka.session.timeout.ms", "6000", ScaleOutIT.RECOVERY_LAG_KEY, ScaleOutIT.RECOVERY_LAG));
    write("online-sink", kafka, cql, Map.of("online-sink.group-id", NAME + "-online-sink"));
    write("offline-sink", kafka, Map.of("iceberg.warehouse", dir.resolve("warehouse").toString(),
        "offline-sink.group-id", NAME + "-offline-sink", "offline-sink.commit-interval", "1s"));
    write("serving", kafka, cql, Map.of("http.port", Integer.toString(httpPort), "admin.port", "0",
        "features-api.watermark-source", NAME, "generator.scratch-dir", dir.resolve("model").toString()));
  }

  @SafeVarargs
  private void write(String service, Map<String, String>... parts) throws IOException {
    Map<String, String> settings = new TreeMap<>(Map.of("ops.port", Integer.toString(FreePorts.pick())));
    for (Map<String, String> part : parts) {
      settings.putAll(part);
    }
    Path file = dir.resolve(service + ".properties");
    Properties p = new Properties();
    p.putAll(settings);
    try (Writer w = Files.newBufferedWriter(file)) {
      p.store(w, "freshet-" + service + " (as profile::freshet::service writes it)");
    }
    configs.put(service, file);
  }

  /** Once offline-sink has committed up to the end of the features topic: its rows are exactly the topic's vectors. */
  private void assertFeatureLogHoldsEveryVectorOnce() throws Exception {
    try (JdbcCatalog catalog = Warehouse.catalog(dir.resolve("warehouse"))) {
      Table table = catalog.loadTable(TableIdentifier.of("freshet", "user_features_log"));
      Map<TopicPartition, Long> end = awaitCommittedToTheEnd(table, NAME + ".features.user");
      Map<Integer, List<Long>> logged = new TreeMap<>(); // below the end read above: the services go on publishing
      try (CloseableIterable<Record> rows = IcebergGenerics.read(table).build()) {
        rows.forEach(r -> {
          int partition = (Integer) r.getField("kafka_partition");
          long offset = (Long) r.getField("kafka_offset");
          if (offset < end.get(new TopicPartition(NAME + ".features.user", partition))) {
            logged.computeIfAbsent(partition, p -> new ArrayList<>()).add(offset);
          }
        });
      }
      Map<Integer, List<Long>> published = vectorOffsets(end);
      List<String> wrong = new ArrayList<>();
      published.forEach((partition, offsets) -> {
        List<Long> rows = logged.getOrDefault(partition, List.of());
        Set<Long> once = new HashSet<>(rows);
        List<Long> missing = offsets.stream().filter(o -> !once.contains(o)).toList();
        Set<Long> vectors = new HashSet<>(offsets);
        List<Long> extra = once.stream().filter(o -> !vectors.contains(o)).sorted().toList();
        if (!missing.isEmpty() || !extra.isEmpty() || once.size() != rows.size()) {
          wrong.add("partition " + partition + ": " + offsets.size() + " vectors, " + rows.size() + " rows, " + (rows.size() - once.size())
              + " twice, missing " + missing.subList(0, Math.min(10, missing.size())) + " (" + missing.size() + "), not vectors "
              + extra.subList(0, Math.min(10, extra.size())));
        }
      });
      assertThat(published).as("vectors published").isNotEmpty();
      assertThat(wrong).as("the feature log against the features topic below " + end).isEmpty();
    }
  }

  /** The request ids of the last checkpoint (the map keeps the order they were asked in). */
  private static List<String> lastCheckpointsRequests(Map<String, String> requestIds) {
    String last = requestIds.values().stream().reduce((a, b) -> b).orElseThrow();
    return requestIds.entrySet().stream().filter(e -> e.getValue().equals(last)).map(Map.Entry::getKey).toList();
  }

  /** Each generation once; of those answered before serving was killed, only the last ones may be missing. */
  private void assertGenerationLogHoldsEachRequestOnce(Map<String, String> requestIds, Set<String> beforeServingCrashed)
      throws Exception {
    try (JdbcCatalog catalog = Warehouse.catalog(dir.resolve("warehouse"))) {
      Table table = catalog.loadTable(TableIdentifier.of("freshet", "generation_log"));
      Map<TopicPartition, Long> end = awaitCommittedToTheEnd(table, NAME + ".generations");
      List<String> logged = new ArrayList<>();
      try (CloseableIterable<Record> rows = IcebergGenerics.read(table).build()) {
        rows.forEach(r -> logged.add((String) r.getField("request_id")));
      }
      Map<String, String> missing = new LinkedHashMap<>(requestIds);
      logged.forEach(missing::remove);
      Map<String, String> onTheTopic = new TreeMap<>();
      for (ConsumerRecord<String, String> r : TopicRecords.read(bootstrap, Map.of(), end)) {
        if (missing.containsKey(r.key())) {
          onTheTopic.put(r.key(), r.partition() + "@" + r.offset());
        }
      }
      assertThat(onTheTopic).as("generations on the topic but not in the generation log (committed "
          + KafkaFedTable.offsets(table) + ", topic end " + end + ")").isEmpty();
      missing.keySet().removeAll(beforeServingCrashed);
      assertThat(missing).as("generations answered but never logged, other than the last ones before serving's SIGKILL").isEmpty();
      assertThat(logged).as("request ids in the generation log").doesNotHaveDuplicates();
    }
  }

  /** Waits until offline-sink committed {@code table} up to the current end of {@code topic}; returns that end. */
  private Map<TopicPartition, Long> awaitCommittedToTheEnd(Table table, String topic) {
    Map<TopicPartition, Long> end = endOffsets(topic);
    Await.until(Duration.ofSeconds(60), table.name() + " to be committed up to the end of " + topic + " " + end, () -> {
      table.refresh();
      return KafkaFedTable.offsets(table);
    }, committed -> end.entrySet().stream().allMatch(e -> committed.getOrDefault(e.getKey().partition(), 0L) >= e.getValue()));
    return end;
  }

  private Map<TopicPartition, Long> endOffsets(String topic) {
    return TopicRecords.endOffsets(bootstrap, topic);
  }

  /** Offsets of the vectors (not markers) of each partition of {@code end} below its end. */
  private Map<Integer, List<Long>> vectorOffsets(Map<TopicPartition, Long> end) {
    Map<Integer, List<Long>> offsets = new TreeMap<>();
    for (ConsumerRecord<String, String> r : TopicRecords.read(bootstrap, Map.of(), end)) {
      if (r.value() != null && !Watermark.isMarker(r.headers())) {
        offsets.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r.offset());
      }
    }
    return offsets;
  }

  private List<DeadLetter> deadLetters() {
    String topic = NAME + ".dead-letters";
    return TopicRecords.read(bootstrap, Map.of(), endOffsets(topic)).stream().map(r -> Json.read(r.value(), DeadLetter.class)).toList();
  }
}
