package dev.freshet.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.freshet.common.Settings;
import dev.freshet.embedded.FreePorts;
import dev.freshet.embedded.LocalServers;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.HdrHistogram.Histogram;

/**
 * Measures commit -> visible-in-{@code GET /v1/users/{id}/features} latency on the real local stack.
 *
 * <p>Each sample: read the WAL position, insert one purchase for a benchmark user and commit, then
 * poll the feature API until the served vector reflects an LSN at or past that position (the
 * change is the first WAL record written after it). Samples are
 * sequential (one change in flight), optionally over a background demo workload.
 *
 * <p>Then decay: each sample inserts an event dated just under a minute ago for a fresh user,
 * waits until it shows in {@code events_1m}, and measures from the instant it leaves that
 * 1-minute window (event time + 60 s) until the recomputed vector (computed_at) and until the API
 * serves {@code events_1m = 0} with no new event for that user.
 * Run by {@code bin/bench-freshness [--samples N] [--decay-samples N] [--background-rate PER_SECOND]}.
 */
public final class FreshnessBench {
  static final int POLL_MILLIS = 2;

  private FreshnessBench() {}

  public static void main(String[] args) throws Exception {
    Settings options = Settings.fromCommandLine(args,
        "bin/bench-freshness [--samples N] [--decay-samples N] [--background-rate PER_SECOND]",
        "samples", "decay-samples", "background-rate");
    int samples = options.integer("samples", 200);
    int decaySamples = options.integer("decay-samples", 50);
    double backgroundRate = options.number("background-rate", 0);
    Path dir = Files.createTempDirectory("freshet-bench");
    long t0 = System.nanoTime();
    try (LocalServers servers = LocalServers.start(dir, "shop")) {
      DemoDatabase db = new DemoDatabase(servers.postgres.dataSource());
      db.createSchema();
      DemoWorkload background = new DemoWorkload(db, 50, Math.max(backgroundRate, 1), 3);
      background.seedUsers();
      try (Pipeline pipeline = Pipeline.start(Pipeline.settingsFor(servers, dir, FreePorts.pick()))) {
        double startupSeconds = (System.nanoTime() - t0) / 1e9;
        HttpJson http = pipeline.api();
        if (backgroundRate > 0) {
          background.start();
        }
        Histogram latency = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
        // Where the time goes, from the vector's own clock: commit -> computed by Streams -> served.
        Histogram toComputed = new Histogram(TimeUnit.SECONDS.toMillis(60), 3);
        Histogram computedToVisible = new Histogram(TimeUnit.SECONDS.toMillis(60), 3);
        long user = 1_000_000;
        db.upsertUser(user, "bench", "FR");
        for (int i = -10; i < samples; i++) { // the first 10 warm the path up and are not recorded
          long before = db.currentWalLsn();
          db.insertEvent(user, "purchase", "bench-" + i, "books", "eco", new BigDecimal("1.00"));
          long committed = System.nanoTime();
          long committedWallMs = System.currentTimeMillis();
          JsonNode vector = awaitLsn(http, user, before);
          long micros = (System.nanoTime() - committed) / 1000;
          long visibleWallMs = System.currentTimeMillis();
          if (i >= 0) {
            latency.recordValue(micros);
            long computedMs = Instant.parse(vector.path("computed_at").asText()).toEpochMilli();
            toComputed.recordValue(Math.max(0, computedMs - committedWallMs));
            computedToVisible.recordValue(Math.max(0, visibleWallMs - computedMs));
          }
        }
        Histogram decayComputed = new Histogram(TimeUnit.SECONDS.toMillis(60), 3);
        Histogram decayVisible = new Histogram(TimeUnit.SECONDS.toMillis(60), 3);
        for (int i = 0; i < decaySamples; i++) {
          long idle = 1_100_000 + i;
          db.upsertUser(idle, "idle-" + i, "FR");
          Instant occurred = Instant.now().minusMillis(58_500).truncatedTo(java.time.temporal.ChronoUnit.MICROS);
          db.insertEvent(idle, "view", "bench", "books", "eco", null, occurred);
          awaitEvents1m(http, idle, 1);
          Instant leaves = occurred.plusSeconds(60);
          JsonNode decayed = awaitEvents1m(http, idle, 0);
          long visibleMs = System.currentTimeMillis();
          decayComputed.recordValue(Math.max(0, Instant.parse(decayed.path("computed_at").asText()).toEpochMilli() - leaves.toEpochMilli()));
          decayVisible.recordValue(Math.max(0, visibleMs - leaves.toEpochMilli()));
        }
        background.close();
        System.out.printf("""

            commit -> GET /features visible, %d sequential changes, background load %.0f changes/s
              p50 %.1f ms   p90 %.1f ms   p99 %.1f ms   max %.1f ms   mean %.1f ms
              of which commit -> computed by feature-streams: p50 %d ms, p99 %d ms; computed -> visible: p50 %d ms, p99 %d ms
              (polling every %d ms, so figures carry up to that much extra)
            decay, %d idle users: an event leaves events_1m (event time + 60 s) ->
              recomputed (computed_at): p50 %d ms, p99 %d ms, max %d ms (features.max-staleness 1 s)
              served events_1m = 0:    p50 %d ms, p99 %d ms, max %d ms
            stack startup (servers + services, until serving is up): %.1f s
            machine: %s
            """, samples, backgroundRate,
            latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(90) / 1000.0,
            latency.getValueAtPercentile(99) / 1000.0, latency.getMaxValue() / 1000.0, latency.getMean() / 1000.0,
            toComputed.getValueAtPercentile(50), toComputed.getValueAtPercentile(99),
            computedToVisible.getValueAtPercentile(50), computedToVisible.getValueAtPercentile(99), POLL_MILLIS,
            decaySamples, decayComputed.getValueAtPercentile(50), decayComputed.getValueAtPercentile(99), decayComputed.getMaxValue(),
            decayVisible.getValueAtPercentile(50), decayVisible.getValueAtPercentile(99), decayVisible.getMaxValue(),
            startupSeconds, MachineLoad.summary());
      }
    } finally {
      FreshetLocal.deleteRecursively(dir);
    }
  }

  private static JsonNode awaitLsn(HttpJson http, long user, long lsn) throws InterruptedException {
    return await(http, user, "a vector at or past LSN " + lsn, v -> v.path("source_lsn").asLong() >= lsn);
  }

  /** The served vector once it reflects {@code lsn}, or null if that takes longer than {@code timeout}. */
  static JsonNode awaitLsn(HttpJson http, long user, long lsn, Duration timeout) throws InterruptedException {
    return poll(http, user, v -> v.path("source_lsn").asLong() >= lsn, timeout).served();
  }

  private static JsonNode awaitEvents1m(HttpJson http, long user, long count) throws InterruptedException {
    return await(http, user, "events_1m = " + count, v -> v.path("features").path("events_1m").asLong(-1) == count);
  }

  private static JsonNode await(HttpJson http, long user, String what, Predicate<JsonNode> done) throws InterruptedException {
    Polled p = poll(http, user, done, Duration.ofSeconds(30));
    if (p.served() == null) {
      throw new IllegalStateException("user " + user + ": no " + what + " within 30 s; last answer: " + p.last().status() + " " + p.last().body());
    }
    return p.served();
  }

  private record Polled(JsonNode served, HttpJson.Response last) {}

  /** Polls the API (every {@link #POLL_MILLIS}: polling harder would load the box it measures). */
  private static Polled poll(HttpJson http, long user, Predicate<JsonNode> done, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    HttpJson.Response r;
    do {
      r = http.get("/v1/users/" + user + "/features");
      if (r.status() == 200 && done.test(r.body())) {
        return new Polled(r.body(), r);
      }
      Thread.sleep(POLL_MILLIS);
    } while (System.nanoTime() < deadline);
    return new Polled(null, r);
  }
}
