package dev.freshet.local.chaos;

import dev.freshet.common.DeadLetter;
import dev.freshet.common.Json;
import dev.freshet.common.OfflineTables;
import dev.freshet.common.freshness.Watermark;
import dev.freshet.local.DemoDatabase;
import dev.freshet.local.HttpJson;
import dev.freshet.local.RandomChanges;
import dev.freshet.local.ReferenceFeatures;
import dev.freshet.local.TopicRecords;
import dev.freshet.local.Warehouse;
import dev.freshet.offline.KafkaFedTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One chaos run: the five services on {@link FaultServers}, a steady random workload of inserts,
 * updates, deletes and late inserts, and a schedule of faults. After each fault the run measures,
 * against references independent of the services: how long until every user's served vector equals
 * the SQL recomputation from PostgreSQL (and is within the staleness bound), whether the Iceberg
 * feature log holds every vector of the features topic exactly once by topic position, and
 * whether the generation log holds each answered request once. At the end the dead letters must be
 * the workload's deliberately late inserts only.
 */
public final class ChaosRun implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ChaosRun.class);
  /** features.max-staleness (1 s) plus the hop through online-sink and the store. */
  static final Duration SERVED_STALENESS = Duration.ofSeconds(3);
  static final Duration RECOVERY_LIMIT = Duration.ofSeconds(180);
  static final Duration OFFLINE_CATCH_UP = Duration.ofSeconds(120);
  static final String LATE = "late event";
  /** The workload goes on this long after each fault before the check holds it still. */
  static final Duration WRITES_AFTER = Duration.ofSeconds(5);
  private static final Duration PROGRESS_EVERY = Duration.ofSeconds(20);
  private static final Duration POLL_EVERY = Duration.ofMillis(200);

  private final FaultServers servers;
  private final ServiceFleet fleet;
  private final SteadyWorkload workload;
  private final ReferenceFeatures reference;
  private final HttpJson http;
  private static final List<Long> USERS = LongStream.rangeClosed(7_001, 7_020).boxed().toList();
  private final Map<String, String> requests = new LinkedHashMap<>(); // id -> the fault it was asked after
  private final Set<String> mayBeLostAtServingCrash = new HashSet<>();
  private long vectorsLost;
  private long vectorsDuplicated;
  private long generationsDuplicated;
  private int supervisorRestarts;
  private final HttpJson servingOps;

  private ChaosRun(FaultServers servers, ServiceFleet fleet, SteadyWorkload workload, ReferenceFeatures reference) {
    this.servers = servers;
    this.fleet = fleet;
    this.workload = workload;
    this.reference = reference;
    this.http = fleet.api();
    this.servingOps = new HttpJson(fleet.servingOpsUrl());
  }

  /** Creates the run's database, starts the services and the workload (at {@code changesPerSecond}), and checks that all is well before any fault. */
  public static ChaosRun start(FaultServers servers, Path dir, String name, long seed, double changesPerSecond) throws IOException {
    DemoDatabase db = new DemoDatabase(createDatabase(servers, name));
    db.createSchema();
    ServiceFleet fleet = new ServiceFleet(name, dir, servers);
    RandomChanges changes = new RandomChanges(db, USERS, Duration.ofMinutes(8), seed);
    ChaosRun run = new ChaosRun(servers, fleet, new SteadyWorkload(changes, changesPerSecond),
        new ReferenceFeatures(db.dataSource(), changes.lateIds()));
    fleet.startAll();
    awaitStreaming(servers, name);
    return run;
  }

  /**
   * Until ingest-cdc streams from its slot: rows written before are read by its initial snapshot,
   * and a snapshot row is never judged late, so the workload's late inserts would count.
   */
  private static void awaitStreaming(FaultServers servers, String slot) {
    try (Connection c = dataSource(servers, "postgres").getConnection();
        PreparedStatement active = c.prepareStatement("SELECT 1 FROM pg_replication_slots WHERE slot_name = ? AND active")) {
      active.setString(1, slot);
      boolean streaming = poll(RECOVERY_LIMIT, POLL_EVERY, () -> {
        try (ResultSet rs = active.executeQuery()) {
          return rs.next();
        } catch (SQLException e) {
          throw new IllegalStateException("cannot read the replication slots", e);
        }
      }, yes -> yes);
      if (!streaming) {
        throw new IllegalStateException("ingest-cdc did not start streaming from slot " + slot + " within " + RECOVERY_LIMIT);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the replication slots", e);
    }
  }

  /** Probes every {@code every} until {@code done} holds or {@code limit} passed; returns the last probe's answer. */
  private static <T> T poll(Duration limit, Duration every, Supplier<T> probe, Predicate<T> done) {
    long deadline = System.nanoTime() + limit.toNanos();
    T last = probe.get();
    while (!done.test(last) && System.nanoTime() < deadline) {
      sleep(every);
      last = probe.get();
    }
    return last;
  }

  private static PGSimpleDataSource createDatabase(FaultServers servers, String name) {
    PGSimpleDataSource admin = dataSource(servers, "postgres");
    try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create the run's database " + name, e);
    }
    return dataSource(servers, name);
  }

  private static PGSimpleDataSource dataSource(FaultServers servers, String database) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setUrl("jdbc:postgresql://" + servers.postgresHost() + ":" + servers.postgresPort() + "/" + database);
    ds.setUser(servers.postgresUser());
    ds.setPassword(servers.postgresPassword());
    return ds;
  }

  public ServiceFleet fleet() {
    return fleet;
  }

  public FaultServers servers() {
    return servers;
  }

  /** Lets the workload run for {@code time} (while a fault lasts, say). */
  public void workFor(Duration time) throws InterruptedException {
    workload.resume();
    Thread.sleep(time.toMillis());
  }

  /** Holds the workload still (a database restart, say) until the next {@link #workFor}. */
  public void holdWorkload() {
    workload.pause();
  }

  /** Before serving is killed: the generations it answered last may not reach the log (it answers first, logs after). */
  public void servingMayLoseItsLastGenerations() {
    String last = requests.values().stream().reduce((a, b) -> b).orElse(null);
    requests.forEach((id, after) -> {
      if (after.equals(last)) {
        mayBeLostAtServingCrash.add(id);
      }
    });
  }

  /** The first check, before any fault: the whole run is pointless if the pipeline is not right to begin with. */
  public FaultOutcome baseline(Duration work) throws InterruptedException {
    workFor(work);
    return check("none (baseline)", System.nanoTime(), OptionalLong.empty());
  }

  public FaultOutcome inject(Fault fault) throws Exception {
    LOG.info("fault: {} ({})", fault.name(), workload);
    OptionalLong refusedBefore = servers.refusedProduceRequests();
    workload.resume();
    fault.action().inject(this);
    long over = System.nanoTime();
    workFor(WRITES_AFTER); // what is written after the fault must get through too
    OptionalLong refusedAfter = servers.refusedProduceRequests();
    OptionalLong refused = refusedBefore.isPresent() && refusedAfter.isPresent()
        // the in-JVM broker's meter starts from zero again when the broker restarts
        ? OptionalLong.of(refusedAfter.getAsLong() >= refusedBefore.getAsLong()
            ? refusedAfter.getAsLong() - refusedBefore.getAsLong() : refusedAfter.getAsLong())
        : OptionalLong.empty();
    return check(fault.name(), over, refused);
  }

  private FaultOutcome check(String fault, long over, OptionalLong refused) {
    workload.pause();
    List<String> notes = new ArrayList<>();
    List<String> mismatches = awaitServedEqualsReference();
    long recoveredNanos = System.nanoTime() - over;
    if (!mismatches.isEmpty()) {
      notes.addAll(mismatches.subList(0, Math.min(3, mismatches.size())));
    }
    askGenerations(fault, notes);
    LogCounts features = featureLog(notes);
    LogCounts generations = generationLog(notes);
    int restarts = fleet.supervisorRestarts();
    FaultOutcome outcome = new FaultOutcome(fault, Duration.ofNanos(recoveredNanos), features.lost() - vectorsLost,
        features.duplicated() - vectorsDuplicated, mismatches.size(), generations.lost(),
        generations.duplicated() - generationsDuplicated, restarts - supervisorRestarts, refused, notes);
    vectorsLost = features.lost();
    vectorsDuplicated = features.duplicated();
    generationsDuplicated = generations.duplicated();
    supervisorRestarts = restarts;
    LOG.info("after {}: {} ({})", fault, outcome, workload);
    return outcome;
  }

  /** Polls until no checked user differs from the reference; returns the differences left when the limit passed. */
  private List<String> awaitServedEqualsReference() {
    long[] nextLog = {System.nanoTime() + PROGRESS_EVERY.toNanos()};
    return poll(RECOVERY_LIMIT, POLL_EVERY, () -> {
      List<String> differences = servedDifferences();
      if (!differences.isEmpty() && System.nanoTime() > nextLog[0]) {
        LOG.info("waiting for the served vectors to equal the reference: {} differ, first: {}", differences.size(), differences.get(0));
        nextLog[0] = System.nanoTime() + PROGRESS_EVERY.toNanos();
      }
      return differences;
    }, List::isEmpty);
  }

  private List<String> servedDifferences() {
    try {
      return servingOps.get("/ready").status() == 200 ? reference.mismatches(http, USERS, SERVED_STALENESS) : List.of("serving is not ready");
    } catch (UncheckedIOException notListening) {
      return List.of("serving does not answer: " + notListening.getMessage());
    }
  }

  private void askGenerations(String fault, List<String> notes) {
    for (int i = 0; i < 3; i++) {
      String id = "chaos-" + UUID.randomUUID();
      HttpJson.Response r = http.post("/v1/generate", "{\"user_id\": " + USERS.get(i) + ", \"prompt\": \"recommend\", \"max_tokens\": 4}",
          Map.of("X-Request-Id", id));
      if (r.status() == 200) {
        requests.put(id, fault);
      } else {
        notes.add("generate answered " + r.status() + ": " + r.body());
      }
    }
  }

  private record LogCounts(long lost, long duplicated) {}

  /** The feature log against the features topic, once offline-sink has committed up to the topic's end. */
  private LogCounts featureLog(List<String> notes) {
    String topic = fleet.topic("features.user");
    try (JdbcCatalog catalog = Warehouse.catalog(fleet.warehouse())) {
      Table table = catalog.loadTable(TableIdentifier.of(OfflineTables.NAMESPACE, OfflineTables.FEATURE_LOG));
      Map<TopicPartition, Long> end = awaitCommittedToTheEnd(table, topic, notes);
      Map<Integer, Map<Long, Integer>> logged = new HashMap<>(); // partition -> offset -> rows
      try (CloseableIterable<Record> rows = IcebergGenerics.read(table).build()) {
        rows.forEach(r -> logged.computeIfAbsent((Integer) r.getField("kafka_partition"), p -> new HashMap<>())
            .merge((Long) r.getField("kafka_offset"), 1, Integer::sum));
      }
      long lost = 0;
      for (ConsumerRecord<String, String> r : TopicRecords.read(servers.kafkaBootstrapServers(), Map.of(), end)) {
        if (r.value() != null && !Watermark.isMarker(r.headers())
            && logged.getOrDefault(r.partition(), Map.of()).getOrDefault(r.offset(), 0) == 0) {
          lost++;
          if (lost <= 3) {
            notes.add("vector " + r.partition() + "@" + r.offset() + " is not in the feature log");
          }
        }
      }
      long duplicated = logged.values().stream().flatMap(m -> m.values().stream()).mapToLong(n -> n - 1).sum();
      return new LogCounts(lost, duplicated);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private LogCounts generationLog(List<String> notes) {
    try (JdbcCatalog catalog = Warehouse.catalog(fleet.warehouse())) {
      Table table = catalog.loadTable(TableIdentifier.of(OfflineTables.NAMESPACE, OfflineTables.GENERATION_LOG));
      awaitCommittedToTheEnd(table, fleet.topic("generations"), notes);
      List<String> logged = new ArrayList<>();
      try (CloseableIterable<Record> rows = IcebergGenerics.read(table).build()) {
        rows.forEach(r -> logged.add((String) r.getField("request_id")));
      }
      Set<String> missing = new HashSet<>(requests.keySet());
      logged.forEach(missing::remove);
      missing.removeAll(mayBeLostAtServingCrash);
      missing.stream().limit(3).forEach(id -> notes.add("generation " + id + " (asked after " + requests.get(id) + ") is not logged"));
      return new LogCounts(missing.size(), logged.size() - new HashSet<>(logged).size());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Map<TopicPartition, Long> awaitCommittedToTheEnd(Table table, String topic, List<String> notes) {
    Map<TopicPartition, Long> end = TopicRecords.endOffsets(servers.kafkaBootstrapServers(), topic);
    Predicate<Map<Integer, Long>> atTheEnd = committed ->
        end.entrySet().stream().allMatch(e -> committed.getOrDefault(e.getKey().partition(), 0L) >= e.getValue());
    Map<Integer, Long> committed = poll(OFFLINE_CATCH_UP, POLL_EVERY, () -> {
      table.refresh();
      return KafkaFedTable.offsets(table);
    }, atTheEnd);
    if (!atTheEnd.test(committed)) {
      notes.add(table.name() + " committed " + committed + ", not up to the end of " + topic + " " + end + " within " + OFFLINE_CATCH_UP);
    }
    return end;
  }

  /** Dead letters other than the workload's deliberately late inserts (expected: none). */
  public List<String> unexpectedDeadLetters() {
    String topic = fleet.topic("dead-letters");
    return TopicRecords.read(servers.kafkaBootstrapServers(), Map.of(), TopicRecords.endOffsets(servers.kafkaBootstrapServers(), topic)).stream()
        .map(r -> Json.read(r.value(), DeadLetter.class))
        .filter(d -> !d.reason().startsWith(LATE))
        .map(DeadLetter::toString)
        .toList();
  }

  /** Waits until offline-sink writes a new data file of the feature log (its commit has begun) and returns it at once. */
  public Path awaitFeatureLogDataFile(Duration timeout) {
    Path data = fleet.warehouse().resolve(OfflineTables.NAMESPACE).resolve(OfflineTables.FEATURE_LOG).resolve("data");
    Set<Path> before = dataFiles(data);
    Set<Path> added = poll(timeout, Duration.ofMillis(2), () -> {
      Set<Path> now = dataFiles(data);
      now.removeAll(before);
      return now;
    }, now -> !now.isEmpty());
    if (added.isEmpty()) {
      throw new IllegalStateException("offline-sink wrote no data file within " + timeout);
    }
    return added.iterator().next();
  }

  /** Whether a committed snapshot of the feature log holds {@code dataFile} (if not, its commit never finished). */
  public boolean featureLogHolds(Path dataFile) throws IOException {
    try (JdbcCatalog catalog = Warehouse.catalog(fleet.warehouse())) {
      Table table = catalog.loadTable(TableIdentifier.of(OfflineTables.NAMESPACE, OfflineTables.FEATURE_LOG));
      try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
        for (FileScanTask task : tasks) {
          if (Path.of(URI.create(task.file().location())).equals(dataFile)) {
            return true;
          }
        }
      }
      return false;
    }
  }

  private static Set<Path> dataFiles(Path dir) {
    if (!Files.isDirectory(dir)) {
      return new HashSet<>();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return new HashSet<>(files.filter(f -> f.toString().endsWith(".parquet")).toList());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }

  static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public void close() {
    workload.close();
    fleet.close();
    // An inactive slot would hold the server's WAL for as long as the server runs.
    try (Connection c = dataSource(servers, "postgres").getConnection(); Statement s = c.createStatement()) {
      s.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + fleet.database() + "'");
    } catch (SQLException e) {
      LOG.warn("could not drop the replication slot {}", fleet.database(), e);
    }
  }
}
