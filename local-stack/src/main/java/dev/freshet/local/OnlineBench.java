package dev.freshet.local;

import com.datastax.oss.driver.api.core.CqlSession;
import dev.freshet.common.CqlSessions;
import dev.freshet.common.FeatureStoreSchema;
import dev.freshet.common.FeatureVector;
import dev.freshet.common.Settings;
import dev.freshet.common.Topics;
import dev.freshet.embedded.FreePorts;
import dev.freshet.embedded.LocalServers;
import dev.freshet.online.FeatureStoreWriter;
import dev.freshet.serving.FeatureStoreReader;
import dev.freshet.serving.ServingConfig;
import dev.freshet.serving.ServingService;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SynchronizedHistogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * The online path's figures in one run on the real local stack:
 *
 * <ol>
 *   <li>loads {@code --users} vectors into the CQL store (directly, through online-sink's writer);
 *   <li>store-only point reads at {@code --read-rate} per second, open loop;
 *   <li>HTTP {@code GET /v1/users/{id}/features} at {@code --http-rate} per second, open loop, on
 *       {@code --concurrency} keep-alive connections;
 *   <li>source-commit → visible-in-the-API freshness of probe changes while writer threads commit
 *       {@code --change-rate} event inserts per second to PostgreSQL for random users.
 * </ol>
 *
 * Latencies are measured from each request's <em>intended</em> start (rate × index), so a stall
 * counts for every request it delays (no coordinated omission). Run by {@code bin/bench-online}.
 */
public final class OnlineBench {
  private static final int WARMUP_SECONDS = 10;
  private static final int HTTP_ROUNDS = 5;
  /** Users in the source database that the change writers write events for. */
  private static final int SOURCE_USERS = 10_000;
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);
  /** feature-streams' default application id, which is its consumer group. */
  private static final String FEATURE_STREAMS_GROUP = "freshet-features";

  private OnlineBench() {}

  public static void main(String[] args) throws Exception {
    Settings o = Settings.fromCommandLine(args, "bin/bench-online [--users N] [--read-rate R] [--http-rate R] "
        + "[--concurrency C] [--seconds S] [--change-rate R] [--probes N]",
        "users", "read-rate", "http-rate", "concurrency", "seconds", "change-rate", "probes");
    int users = o.integer("users", 100_000);
    double readRate = o.number("read-rate", 2_000);
    double httpRate = o.number("http-rate", 2_000);
    int concurrency = o.integer("concurrency", 32);
    int seconds = o.integer("seconds", 30);
    double changeRate = o.number("change-rate", 5_000);
    int probes = o.integer("probes", 100);

    Path dir = Files.createTempDirectory("freshet-online-bench");
    try (LocalServers servers = LocalServers.start(dir, "shop")) {
      DemoDatabase db = new DemoDatabase(servers.postgres.dataSource());
      db.createSchema();
      int sourceUsers = Math.min(users, SOURCE_USERS);
      seedSourceUsers(servers.postgres.dataSource(), sourceUsers);
      try (Pipeline pipeline = Pipeline.start(Pipeline.settingsFor(servers, dir, FreePorts.pick()));
          CqlSession session = CqlSessions.open(servers.cql.host() + ":" + servers.cql.nativePort(),
              servers.cql.localDatacenter(), Duration.ofSeconds(2))) {
        StringBuilder report = new StringBuilder();

        long loadStart = System.nanoTime();
        loadStore(session, users);
        double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
        report.append(String.format("loaded %d users into the store in %.1f s (%.0f writes/s)%n", users, loadSeconds, users / loadSeconds));
        // The CDC snapshot of the seeded users and the store's compactions after the load would
        // otherwise be measured as read latency.
        report.append(String.format("waited %.1f s for the machine to settle (below one busy core)%n", settle()));

        FeatureStoreReader reader = new FeatureStoreReader(session, FeatureStoreSchema.DEFAULT_KEYSPACE);
        Supplier<Request> storeRead = () -> () -> reader.read(benchUser(users)).orElseThrow();
        openLoop(readRate, WARMUP_SECONDS, concurrency, storeRead);
        long[] cpu = MachineLoad.cpuTicks();
        Histogram store = openLoop(readRate, seconds, concurrency, storeRead);
        report.append(line("store point read (CQL, prepared)", readRate, concurrency, seconds, store,
            MachineLoad.busyCores(cpu, MachineLoad.cpuTicks())));

        // What keys and limits cost: two more servings, alike but for them, read in turn (rounds
        // interleaved, the order alternating) so that the machine's drift falls on both.
        Map<String, String> twin = Map.of("http.port", "0", "admin.port", "0", "ops.port", "0", "generation-log.enabled", "false");
        try (ServingService open = ServingService.startWithoutAuthentication(ServingConfig.from(pipeline.settings().with(twin)
                .with(Map.of("generator.scratch-dir", dir.resolve("model-open").toString()))));
            ServingService guarded = ServingService.start(ServingConfig.from(pipeline.settings().with(twin)
                .with(Map.of("generator.scratch-dir", dir.resolve("model-guarded").toString()))))) {
          Supplier<Request> withKey = httpGet("http://127.0.0.1:" + guarded.port(), pipeline.apiKey(), users);
          Supplier<Request> withoutKey = httpGet("http://127.0.0.1:" + open.port(), null, users);
          // A first round of each, not counted: the first round measured was an outlier whichever arm ran in it.
          openLoop(httpRate, Math.max(WARMUP_SECONDS, seconds), concurrency, withoutKey);
          openLoop(httpRate, Math.max(WARMUP_SECONDS, seconds), concurrency, withKey);
          Histogram on = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
          Histogram off = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
          double[] busy = new double[2];
          double[][] p50 = new double[2][HTTP_ROUNDS];
          double[][] p99 = new double[2][HTTP_ROUNDS];
          StringBuilder rounds = new StringBuilder();
          for (int round = 0; round < HTTP_ROUNDS; round++) {
            for (int arm : round % 2 == 0 ? new int[] {0, 1} : new int[] {1, 0}) {
              cpu = MachineLoad.cpuTicks();
              Histogram h = openLoop(httpRate, seconds, concurrency, arm == 0 ? withKey : withoutKey);
              (arm == 0 ? on : off).add(h);
              busy[arm] += MachineLoad.busyCores(cpu, MachineLoad.cpuTicks()) / HTTP_ROUNDS;
              p50[arm][round] = h.getValueAtPercentile(50) / 1000.0;
              p99[arm][round] = h.getValueAtPercentile(99) / 1000.0;
            }
            rounds.append(String.format("    round %d: keys + limits p50 %.3f p99 %.3f ms | baseline p50 %.3f p99 %.3f ms%n", round + 1,
                p50[0][round], p99[0][round], p50[1][round], p99[1][round]));
          }
          report.append(line("HTTP GET /v1/users/{id}/features, API key + rate limits", httpRate, concurrency,
              HTTP_ROUNDS * seconds, on, busy[0]));
          report.append(line("HTTP GET /v1/users/{id}/features, no authentication, no limits (baseline)", httpRate, concurrency,
              HTTP_ROUNDS * seconds, off, busy[1]));
          report.append(rounds);
          report.append(String.format("  keys + limits vs baseline, median of the rounds: p50 %.3f vs %.3f ms (%+.1f %%), p99 %.3f vs %.3f ms"
                  + " (%+.1f %%); all rounds pooled: p50 %+.1f %%, p99 %+.1f %%; machine busy %+.1f %%%n",
              median(p50[0]), median(p50[1]), 100 * (median(p50[0]) - median(p50[1])) / median(p50[1]),
              median(p99[0]), median(p99[1]), 100 * (median(p99[0]) - median(p99[1])) / median(p99[1]),
              change(on, off, 50), change(on, off, 99), 100 * (busy[0] - busy[1]) / busy[1]));
        }

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers.kafka.bootstrapServers()))) {
          report.append(freshnessUnderLoad(db, servers.postgres.dataSource(), pipeline.api(), admin,
              sourceUsers, changeRate, probes));
        }
        report.append("machine: ").append(MachineLoad.summary()).append(System.lineSeparator());
        System.out.println();
        System.out.print(report);
      }
    } finally {
      FreshetLocal.deleteRecursively(dir);
    }
  }

  /** Waits (at most 120 s) until the machine's CPUs are less than one core busy over a second; returns the wait. */
  static double settle() throws Exception {
    long start = System.nanoTime();
    long[] before = MachineLoad.cpuTicks();
    while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(120)) {
      Thread.sleep(1_000);
      long[] now = MachineLoad.cpuTicks();
      double busy = MachineLoad.busyCores(before, now);
      before = now;
      if (busy < 1.0) {
        break;
      }
    }
    return (System.nanoTime() - start) / 1e9;
  }

  static String benchUser(int users) {
    return "bench-" + ThreadLocalRandom.current().nextInt(users);
  }

  private static void seedSourceUsers(DataSource ds, int users) throws Exception {
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      s.execute("INSERT INTO users (id, name, country) SELECT g, 'user-' || g, 'FR' FROM generate_series(1, " + (users + 1) + ") g");
    }
  }

  static void loadStore(CqlSession session, int users) throws Exception {
    try (FeatureStoreWriter writer = new FeatureStoreWriter(session, FeatureStoreSchema.DEFAULT_KEYSPACE, Duration.ZERO, 512)) {
      List<CompletableFuture<Void>> pending = new ArrayList<>();
      Instant now = Instant.now();
      for (int i = 0; i < users; i++) {
        Map<String, Object> features = Map.of("events_1h", i % 40, "purchase_amount_24h", new BigDecimal(i % 300 + ".50"),
            "last_viewed_category", "books", "last_viewed_author", "eco", "top_categories_7d", List.of("books", "films", "music"));
        pending.add(writer.write(new FeatureVector("bench-" + i, features, now, 1, now, 1, now, 1)));
        if (pending.size() >= 10_000) {
          CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get();
          pending.clear();
        }
      }
      CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get();
    }
  }

  /** One request of a benchmark, run on a worker thread; throws if it failed. */
  interface Request {
    void run() throws Exception;
  }

  /**
   * Open-loop load, wrk2-style: request {@code i} is due at {@code start + i / rate}; {@code workers}
   * threads each take the next due request, wait until it is due, run it and record the latency
   * from its due time, so time spent waiting for a free worker (a stall) counts too.
   */
  static Histogram openLoop(double rate, int seconds, int workers, Supplier<Request> perWorker) throws InterruptedException {
    Histogram latencyMicros = new SynchronizedHistogram(TimeUnit.SECONDS.toMicros(60), 3);
    AtomicLong next = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    long count = (long) (rate * seconds);
    double intervalNanos = 1e9 / rate;
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      Thread t = new Thread(() -> {
        Request request = perWorker.get();
        for (long i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
          long due = start + (long) (i * intervalNanos);
          for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
            LockSupport.parkNanos(wait);
          }
          try {
            request.run();
          } catch (Exception e) {
            if (errors.incrementAndGet() == 1) {
              System.err.println("first error: " + e);
            }
          }
          latencyMicros.recordValue(Math.max(1, (System.nanoTime() - due) / 1000));
        }
      }, "bench-worker-" + w);
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join();
    }
    if (errors.get() > 0) {
      System.err.printf("%d of %d requests failed%n", errors.get(), count);
    }
    return latencyMicros;
  }

  /** An HTTP GET of a random bench user's features per request, on one kept-alive connection per worker. */
  private static Supplier<Request> httpGet(String url, String apiKey, int users) {
    return () -> {
      KeepAliveHttp connection = new KeepAliveHttp(url, apiKey); // one per worker, closed with the JVM
      return () -> {
        int status = connection.get("/v1/users/" + benchUser(users) + "/features");
        if (status != 200) {
          throw new IllegalStateException("HTTP " + status);
        }
      };
    };
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static double change(Histogram h, Histogram baseline, double percentile) {
    return 100.0 * (h.getValueAtPercentile(percentile) - baseline.getValueAtPercentile(percentile))
        / baseline.getValueAtPercentile(percentile);
  }

  private static String line(String what, double rate, int concurrency, int seconds, Histogram h, double busyCores) {
    return String.format("%s at %.0f/s (open loop, %d workers, %d s, %d requests; machine %.1f cores busy):%n"
            + "  p50 %.3f ms   p99 %.3f ms   p99.9 %.3f ms   max %.3f ms%n",
        what, rate, concurrency, seconds, h.getTotalCount(), busyCores,
        h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
        h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0);
  }

  /**
   * Writer threads commit {@code changeRate} inserts per second (50 rows per transaction) while
   * probe changes, one at a time, measure commit → served. A probe not served within
   * {@link #PROBE_TIMEOUT} means the pipeline is falling behind the offered rate: probing stops and
   * the report says so, with the rate feature-streams actually consumed (its committed offsets).
   */
  private static String freshnessUnderLoad(DemoDatabase db, DataSource ds, HttpJson http, Admin admin, int users,
      double changeRate, int probes) throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong written = new AtomicLong();
    int threads = 4;
    int rowsPerTx = 50;
    List<Thread> writers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread w = new Thread(() -> writeChanges(ds, users, changeRate / threads, rowsPerTx, running, written), "change-writer-" + t);
      w.setDaemon(true);
      w.start();
      writers.add(w);
    }
    long probeUser = users + 1L;
    Histogram fresh = new Histogram(PROBE_TIMEOUT.toMillis() * 1000, 3);
    Thread.sleep(5_000); // let the pipeline meet the load before measuring
    // One uncounted probe first: it waits out what earlier phases left queued (up to a minute).
    long catchUp = db.currentWalLsn();
    db.insertEvent(probeUser, "purchase", "catch-up", "books", "eco", new BigDecimal("1.00"));
    FreshnessBench.awaitLsn(http, probeUser, catchUp, Duration.ofSeconds(60));
    long writtenAtStart = written.get();
    long consumedAtStart = consumedChanges(admin);
    long measureStart = System.nanoTime();
    int missed = 0;
    for (int i = 0; i < probes && missed == 0; i++) {
      long before = db.currentWalLsn();
      db.insertEvent(probeUser, "purchase", "probe-" + i, "books", "eco", new BigDecimal("1.00"));
      long committed = System.nanoTime();
      if (FreshnessBench.awaitLsn(http, probeUser, before, PROBE_TIMEOUT) == null) {
        missed++;
        continue;
      }
      long micros = (System.nanoTime() - committed) / 1000;
      fresh.recordValue(micros);
      if (i % 10 == 0) {
        System.err.printf("probe %d: %.1f ms (writers at %.0f inserts/s)%n", i, micros / 1000.0,
            (written.get() - writtenAtStart) / ((System.nanoTime() - measureStart) / 1e9));
      }
      Thread.sleep(100);
    }
    double seconds = (System.nanoTime() - measureStart) / 1e9;
    double achieved = (written.get() - writtenAtStart) / seconds;
    double consumed = (consumedChanges(admin) - consumedAtStart) / seconds;
    running.set(false);
    for (Thread w : writers) {
      w.join(10_000);
    }
    String head = String.format("source commit -> visible in GET features while %d writer threads commit %.0f inserts/s"
        + " (offered %.0f/s, %d rows per transaction; feature-streams consumed %.0f changes/s; %.0f s):%n",
        threads, achieved, changeRate, rowsPerTx, consumed, seconds);
    if (missed > 0) {
      return head + String.format("  FELL BEHIND: a probe was not served within %d s after %d probes"
          + " (p50 of those %.1f ms); the pipeline cannot sustain this rate%n",
          PROBE_TIMEOUT.toSeconds(), fresh.getTotalCount(), fresh.getValueAtPercentile(50) / 1000.0);
    }
    return head + String.format("  %d probes: p50 %.1f ms   p99 %.1f ms   max %.1f ms%n", fresh.getTotalCount(),
        fresh.getValueAtPercentile(50) / 1000.0, fresh.getValueAtPercentile(99) / 1000.0, fresh.getMaxValue() / 1000.0);
  }

  /** Change events feature-streams has consumed and committed, over the events topic's partitions. */
  private static long consumedChanges(Admin admin) throws Exception {
    return admin.listConsumerGroupOffsets(FEATURE_STREAMS_GROUP).partitionsToOffsetAndMetadata().get().entrySet().stream()
        .filter(e -> e.getKey().topic().equals(Topics.EVENTS_CHANGES) && e.getValue() != null)
        .mapToLong(e -> e.getValue().offset())
        .sum();
  }

  private static void writeChanges(DataSource ds, int users, double rate, int rowsPerTx, AtomicBoolean running, AtomicLong written) {
    double txIntervalNanos = 1e9 * rowsPerTx / rate;
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
        "INSERT INTO events (user_id, kind, item, category, author, amount) VALUES (?, 'view', 'item', 'books', 'eco', NULL)")) {
      c.setAutoCommit(false);
      long next = System.nanoTime();
      while (running.get()) {
        for (int i = 0; i < rowsPerTx; i++) {
          ps.setLong(1, 1 + ThreadLocalRandom.current().nextInt(users));
          ps.addBatch();
        }
        ps.executeBatch();
        c.commit();
        written.addAndGet(rowsPerTx);
        next += (long) txIntervalNanos;
        long wait = next - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
      }
    } catch (Exception e) {
      if (running.get()) {
        System.err.println("change writer stopped: " + e);
      }
    }
  }
}
