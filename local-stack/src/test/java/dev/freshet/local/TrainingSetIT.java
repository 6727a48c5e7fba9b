package dev.freshet.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.freshet.common.Json;
import dev.freshet.common.definitions.FeatureDefinitions;
import dev.freshet.common.definitions.SourceDefinition;
import dev.freshet.embedded.ChildProcess;
import dev.freshet.offline.KafkaFedTable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training-set acceptance test through the real stack: a random workload (inserts, updates,
 * deletes, moves between users, out-of-order and late event times) into PostgreSQL, labels at
 * random times between its changes, right at window edges and during idle decay, each with the
 * brute-force SQL reference taken at that moment (the table as it was then). Then the Spark job,
 * in a JVM of its own on its own classpath, exports both modes from offline-sink's tables:
 * {@code exact} equals the reference value for value, also for a feature the definitions gain
 * after the workload; {@code served} is, for each label, the vector in effect at its time as the
 * feature log holds it, never one computed later.
 */
@ExtendWith(SharedStack.class)
class TrainingSetIT {
  private static final Logger LOG = LoggerFactory.getLogger(TrainingSetIT.class);
  static final List<Long> USERS = LongStream.rangeClosed(6_001, 6_012).boxed().toList();
  static final long NEVER_SEEN = 6_998;
  static final long PROBE = 6_999;
  /** The feature "added after the workload": in the definitions the export uses, not in the stream's. */
  static final String ADDED_FEATURE = """
            - name: views_24h_added_later
              aggregation: count
              filter: kind = 'view'
              window: 24h
      """;

  @TempDir Path dir;

  /** A label and what the source said at its time. */
  record Label(String id, long user, Instant time, Map<String, Object> reference, long viewsInADay) {}

  @Test
  void exactEqualsTheSourceAsOfEachLabelAndServedIsTheVectorInEffectThen() throws Exception {
    SharedStack.Running stack = SharedStack.get();
    DemoDatabase db = stack.db();
    HttpJson http = stack.pipeline().api();
    RandomChanges changes = new RandomChanges(db, USERS, Duration.ofMinutes(8), 15);
    ReferenceFeatures reference = new ReferenceFeatures(db.dataSource(), changes.lateIds());
    Random random = new Random(15);
    List<Label> labels = new ArrayList<>();

    changes.run(60); // no late insert before every partition has seen recent event times
    for (int i = 0; i < 400; i++) {
      changes.step();
      if (random.nextInt(4) == 0) {
        Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS); // after the commit, before the next change
        labels.add(label(db, changes, reference, "between-" + i, USERS.get(random.nextInt(USERS.size())), at));
        waitPast(at);
      }
    }
    // Rows 10-50 s from leaving their window: the workload pauses until each has left, and labels
    // go just before and right at that instant (the table does not change meanwhile).
    Map<Long, Instant> crossing = changes.placeAtWindowEdges(List.of(Duration.ofMinutes(5), Duration.ofHours(1), Duration.ofHours(24)));
    for (Map.Entry<Long, Instant> row : crossing.entrySet().stream().sorted(Map.Entry.comparingByValue()).toList()) {
      Instant edge = row.getValue().truncatedTo(ChronoUnit.MILLIS);
      waitPast(edge);
      long user = userOf(db, row.getKey());
      labels.add(label(db, changes, reference, "edge-" + row.getKey() + "-before", user, edge.minusMillis(1)));
      labels.add(label(db, changes, reference, "edge-" + row.getKey() + "-at", user, edge));
    }
    // Idle decay, after the last change: label times ahead of now (nothing changes until then).
    Instant end = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    for (Duration later : List.of(Duration.ofSeconds(30), Duration.ofMinutes(10), Duration.ofHours(2), Duration.ofDays(2))) {
      for (long user : List.of(USERS.get(0), USERS.get(USERS.size() - 1))) {
        labels.add(label(db, changes, reference, "idle-" + later + "-" + user, user, end.plus(later)));
      }
    }
    labels.add(label(db, changes, reference, "never-seen", NEVER_SEEN, end));
    LOG.info("{}; {} labels", changes, labels.size());

    FeatureReferenceIT.checkpoint("before the export", reference, http, USERS);
    awaitFeatureLog(stack, http);
    awaitChangeHistories(stack, db);
    Instant exportStart = Instant.now();

    Path labelsFile = dir.resolve("labels.csv");
    StringBuilder csv = new StringBuilder("user_id,label_time,label_id\n");
    labels.forEach(l -> csv.append(l.user()).append(',').append(l.time()).append(',').append(l.id()).append('\n'));
    Files.writeString(labelsFile, csv);
    Path definitions = dir.resolve("features.yaml");
    Files.writeString(definitions, FeatureDefinitions.bundledText().replaceFirst("    features:\n", "    features:\n" + ADDED_FEATURE));
    Path warehouse = stack.dataDir().resolve("warehouse");

    Map<String, JsonNode> exact = export(warehouse, labelsFile, dir.resolve("exact"), "--mode", "exact", "--definitions", definitions.toString());
    assertThat(exact).hasSize(labels.size());
    List<String> wrong = new ArrayList<>();
    for (Label l : labels) {
      JsonNode row = exact.get(l.id());
      ObjectNode asServed = Json.MAPPER.createObjectNode();
      asServed.set("features", row);
      String difference = reference.difference(asServed, l.reference());
      if (difference != null) {
        wrong.add(l.id() + " (user " + l.user() + " at " + l.time() + "): " + difference);
      }
      if (row.path("views_24h_added_later").asLong(-1) != l.viewsInADay()) {
        wrong.add(l.id() + ": views_24h_added_later " + row.path("views_24h_added_later") + ", reference " + l.viewsInADay());
      }
    }
    assertThat(wrong).as("exact export vs the SQL reference at each label time").isEmpty();

    Map<String, JsonNode> served = export(warehouse, labelsFile, dir.resolve("served"), "--mode", "served");
    Map<Long, List<Record>> vectors = featureLog(stack.pipeline().offlineSink().featureLog());
    int checked = 0;
    for (Label l : labels.stream().filter(l -> !l.time().isAfter(exportStart)).toList()) {
      JsonNode row = served.get(l.id());
      Record expected = vectors.getOrDefault(l.user(), List.of()).stream()
          .filter(v -> !((OffsetDateTime) v.getField("computed_at")).toInstant().isAfter(l.time()))
          .max(Comparator.comparing((Record v) -> (OffsetDateTime) v.getField("computed_at")).thenComparing(v -> (Long) v.getField("version")))
          .orElse(null);
      if (expected == null) {
        assertThat(row.path("features_version").isNull()).as("%s: no vector before it", l.id()).isTrue();
        continue;
      }
      assertThat(row.path("features_version").asLong()).as("%s: the vector in effect at %s", l.id(), l.time()).isEqualTo(expected.getField("version"));
      assertThat(Instant.parse(row.path("features_computed_at").asText())).as("%s: never a later one", l.id()).isBeforeOrEqualTo(l.time());
      JsonNode published = Json.MAPPER.readTree((String) expected.getField("features"));
      published.fieldNames().forEachRemaining(f -> assertThat(sameValue(row.path(f), published.path(f)))
          .as("%s: %s exported %s, logged %s", l.id(), f, row.path(f), published.path(f)).isTrue());
      checked++;
    }
    assertThat(checked).as("labels that had a vector in effect").isGreaterThan(labels.size() / 2);

    // Online/offline consistency of the answers these users get now: each served vector against
    // the exact values at its own time.
    Instant answersFrom = Instant.now();
    Table generations = stack.pipeline().offlineSink().generationLog();
    for (long user : USERS) {
      String requestId = "consistency-" + user + "-" + answersFrom.toEpochMilli();
      HttpJson.Response r = http.post("/v1/generate", "{\"user_id\": " + user + ", \"prompt\": \"recommend something\", \"max_tokens\": 4}",
          Map.of("X-Request-Id", requestId));
      assertThat(r.status()).as(String.valueOf(r.body())).isEqualTo(200);
      long version = (Long) Served.awaitRows(generations, "request_id", requestId, x -> true).get(0).getField("features_version");
      Served.awaitRows(stack.pipeline().offlineSink().featureLog(), "user_id", Long.toString(user), v -> (Long) v.getField("version") == version);
    }
    Path report = runJob("dev.freshet.training.Consistency", "consistency", warehouse,
        List.of("--since", answersFrom.toString(), "--at", "computed"));
    List<String> rows = Files.readAllLines(report).stream().filter(l -> l.startsWith("| ") && !l.startsWith("| feature")).toList();
    assertThat(rows).as("a row per feature the log types").hasSize((int) FeatureDefinitions.bundled().features().count());
    for (String row : rows) {
      String[] cells = row.split("\\|");
      // | feature | compared | mismatch rate | mismatches | missing | extra | SMAPE % | edit distance |
      assertThat(cells[2].trim()).as(row).isEqualTo(Integer.toString(USERS.size()));
      assertThat(List.of(cells[4].trim(), cells[5].trim(), cells[6].trim())).as("mismatches, missing, extra: " + row).containsOnly("0");
    }
  }

  /** A label of {@code user} at {@code time}, with the reference computed now from the table as it is (= as it was at {@code time}). */
  private static Label label(DemoDatabase db, RandomChanges changes, ReferenceFeatures reference, String id, long user, Instant time) {
    return new Label(id, user, time, reference.of(user, time), viewsInADay(db, changes.lateIds(), user, time));
  }

  /** The added feature's reference: its own SQL, late inserts excluded as the engine refuses them. */
  private static long viewsInADay(DemoDatabase db, Set<Long> lateIds, long user, Instant at) {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM events WHERE user_id = ? AND kind = 'view' AND occurred_at > ?"
            + " AND NOT (id = ANY (?))")) {
      ps.setLong(1, user);
      ps.setTimestamp(2, Timestamp.from(at.minus(Duration.ofHours(24))));
      ps.setArray(3, c.createArrayOf("bigint", lateIds.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long userOf(DemoDatabase db, long eventId) {
    try (Connection c = db.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement("SELECT user_id FROM events WHERE id = ?")) {
      ps.setLong(1, eventId);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Until the clock is 2 ms past {@code t}: the next change commits after it, even to the millisecond. */
  private static void waitPast(Instant t) throws InterruptedException {
    while (Instant.now().isBefore(t.plusMillis(2))) {
      Thread.sleep(Math.max(1, Duration.between(Instant.now(), t.plusMillis(2)).toMillis()));
    }
  }

  /** Until the feature log holds each user's served vector (and so every earlier one: a user's vectors are in one partition). */
  private static void awaitFeatureLog(SharedStack.Running stack, HttpJson http) {
    Table log = stack.pipeline().offlineSink().featureLog();
    for (long user : USERS) {
      long version = http.get("/v1/users/" + user + "/features").body().path("version").asLong();
      Served.awaitRows(log, "user_id", Long.toString(user), r -> (Long) r.getField("version") == version);
    }
  }

  /**
   * Until each change history has committed every partition to the end offsets seen now. A
   * partition's last records can be freshness markers, which are committed with the next change:
   * a probe change goes in every second meanwhile (user {@link #PROBE}, not labelled).
   */
  private static void awaitChangeHistories(SharedStack.Running stack, DemoDatabase db) {
    FeatureDefinitions definitions = FeatureDefinitions.bundled();
    for (SourceDefinition source : definitions.sources()) {
      Map<Integer, Long> end = endOffsets(stack.servers().kafka.bootstrapServers(), source.topic());
      Table history = stack.pipeline().offlineSink().changeHistory(source);
      Await.until(Duration.ofSeconds(90), source.name() + " change history at the topic's end offsets " + end, () -> {
        history.refresh();
        Map<Integer, Long> committed = KafkaFedTable.offsets(history);
        boolean caughtUp = end.entrySet().stream().allMatch(e -> committed.getOrDefault(e.getKey(), 0L) >= e.getValue());
        if (!caughtUp) {
          db.upsertUser(PROBE, "probe", "FR");
          db.update("UPDATE users SET country = CASE WHEN country = 'FR' THEN 'DE' ELSE 'FR' END WHERE id = ?", PROBE);
          db.insertEvent(PROBE, "view", "probe", "books", null, null);
          sleep(Duration.ofSeconds(1));
        }
        return committed;
      }, committed -> end.entrySet().stream().allMatch(e -> committed.getOrDefault(e.getKey(), 0L) >= e.getValue()));
    }
  }

  private static Map<Integer, Long> endOffsets(String bootstrap, String topic) {
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap), new StringDeserializer(),
        new StringDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      Map<Integer, Long> end = new HashMap<>();
      consumer.endOffsets(partitions).forEach((tp, offset) -> end.put(tp.partition(), offset));
      return end;
    }
  }

  /** Runs {@code bin/training-set}'s job in a JVM of its own on the job's classpath; returns its rows by label id. */
  private Map<String, JsonNode> export(Path warehouse, Path labels, Path out, String... mode) throws Exception {
    List<String> args = new ArrayList<>(List.of("--labels", labels.toString(), "--out", out.toString(), "--format", "json"));
    args.addAll(List.of(mode));
    runJob("dev.freshet.training.TrainingSet", "training-set-" + out.getFileName(), warehouse, args);
    Map<String, JsonNode> rows = new HashMap<>();
    try (Stream<Path> files = Files.list(out)) {
      for (Path part : files.filter(p -> p.getFileName().toString().endsWith(".json")).toList()) {
        for (String line : Files.readAllLines(part)) {
          JsonNode row = Json.MAPPER.readTree(line);
          rows.put(row.path("label_id").asText(), row);
        }
      }
    }
    return rows;
  }

  /** Runs a job's main in a JVM of its own on the job's classpath, in local mode on {@code warehouse}; returns its log. */
  private static Path runJob(String mainClass, String name, Path warehouse, List<String> jobArgs) {
    List<String> args = new ArrayList<>(jobArgs);
    args.addAll(List.of("--warehouse", warehouse.toString(), "--master", "local[2]"));
    Path log = Path.of("target", name + ".log").toAbsolutePath();
    List<String> jvm = new ArrayList<>(List.of(resource("spark-jvm.options").trim().split("\\s+")));
    jvm.add("-Xmx1g");
    long started = System.nanoTime();
    ChildProcess job = TestJvm.start(name, jvm, jobClasspath(), mainClass, args, Map.of("SPARK_LOCAL_IP", "127.0.0.1"), log);
    try {
      // The watchdog starts the job: first it runs, then it ends (it takes seconds, never less).
      Await.until(Duration.ofSeconds(30), name + " to start", job::commandAlive, alive -> alive);
      Await.until(Duration.ofMinutes(5), name + " to end (log " + log + ")", job::commandAlive, alive -> !alive);
    } finally {
      job.close(); // its watchdog passes the job's exit status on
    }
    assertThat(job.exitValue()).as("the job's exit status; its log: " + log).isZero();
    LOG.info("{} {} in {} ms", name, jobArgs, (System.nanoTime() - started) / 1_000_000);
    return log;
  }

  /** The job's classes (the jar this module's test classpath has, without its dependencies) and the classpath its build recorded. */
  private static String jobClasspath() {
    URL url = TrainingSetIT.class.getClassLoader().getResource("dev/freshet/training/spark.classpath");
    String location = url.toString();
    String root = location.startsWith("jar:file:")
        ? location.substring("jar:file:".length(), location.indexOf("!/"))
        : location.substring("file:".length(), location.length() - "dev/freshet/training/spark.classpath".length());
    return root + java.io.File.pathSeparator + resource("spark.classpath").trim();
  }

  private static String resource(String name) {
    try (InputStream in = TrainingSetIT.class.getClassLoader().getResourceAsStream("dev/freshet/training/" + name)) {
      if (in == null) {
        throw new IllegalStateException("no " + name + " on the classpath: build freshet-training-sets");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<Long, List<Record>> featureLog(Table log) throws IOException {
    log.refresh();
    Map<Long, List<Record>> byUser = new HashMap<>();
    try (CloseableIterable<Record> rows = IcebergGenerics.read(log)
        .where(Expressions.in("user_id", USERS.stream().map(String::valueOf).toArray())).build()) {
      rows.forEach(r -> byUser.computeIfAbsent(Long.parseLong((String) r.getField("user_id")), u -> new ArrayList<>()).add(r.copy()));
    }
    return byUser;
  }

  /** An exported value against the vector's value as published (JSON): numbers by value, times as instants, lists element by element. */
  private static boolean sameValue(JsonNode exported, JsonNode published) {
    if (published.isNull() || published.isMissingNode()) {
      return exported.isNull();
    }
    if (published.isNumber()) {
      return exported.isNumber() && exported.decimalValue().compareTo(published.decimalValue()) == 0;
    }
    if (published.isArray()) {
      if (!exported.isArray() || exported.size() != published.size()) {
        return false;
      }
      for (int i = 0; i < published.size(); i++) {
        if (!sameValue(exported.get(i), published.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (published.isTextual() && exported.isTextual() && published.asText().matches("\\d{4}-\\d\\d-\\d\\dT.*Z")) {
      return Instant.parse(exported.asText()).equals(Instant.parse(published.asText()));
    }
    return exported.equals(published);
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
