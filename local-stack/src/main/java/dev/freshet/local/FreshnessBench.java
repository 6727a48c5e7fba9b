package dev.freshet.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.freshet.common.Settings;
import dev.freshet.embedded.FreePorts;
import dev.freshet.embedded.LocalServers;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Measures commit -> visible-in-{@code GET /v1/users/{id}/features} latency on the real local stack.
 *
 * <p>Each sample: read the WAL position, insert one purchase for a benchmark user and commit, then
 * poll the feature API until the served vector reflects an LSN at or past that position (the
 * change is the first WAL record written after it). Samples are
 * sequential (one change in flight), optionally over a background demo workload.
 * Run by {@code bin/bench-freshness [--samples N] [--background-rate PER_SECOND]}.
 */
public final class FreshnessBench {
  static final int POLL_MILLIS = 2;

  private FreshnessBench() {}

  public static void main(String[] args) throws Exception {
    Settings options = Settings.fromCommandLine(args, "bin/bench-freshness [--samples N] [--background-rate PER_SECOND]",
        "samples", "background-rate");
    int samples = options.integer("samples", 200);
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
        HttpJson http = new HttpJson(pipeline.servingUrl());
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
        background.close();
        System.out.printf("""

            commit -> GET /features visible, %d sequential changes, background load %.0f changes/s
              p50 %.1f ms   p90 %.1f ms   p99 %.1f ms   max %.1f ms   mean %.1f ms
              of which commit -> computed by feature-streams: p50 %d ms, p99 %d ms; computed -> visible: p50 %d ms, p99 %d ms
              (polling every %d ms, so figures carry up to that much extra)
            stack startup (servers + services, until serving is up): %.1f s
            machine: %d cores, load average %s
            """, samples, backgroundRate,
            latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(90) / 1000.0,
            latency.getValueAtPercentile(99) / 1000.0, latency.getMaxValue() / 1000.0, latency.getMean() / 1000.0,
            toComputed.getValueAtPercentile(50), toComputed.getValueAtPercentile(99),
            computedToVisible.getValueAtPercentile(50), computedToVisible.getValueAtPercentile(99), POLL_MILLIS,
            startupSeconds, Runtime.getRuntime().availableProcessors(), Files.readString(Path.of("/proc/loadavg")).trim());
      }
    } finally {
      FreshetLocal.deleteRecursively(dir);
    }
  }

  /** Polls the API (every {@link #POLL_MILLIS}: polling harder would load the box it measures). */
  private static JsonNode awaitLsn(HttpJson http, long user, long lsn) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    HttpJson.Response r = null;
    while (System.nanoTime() < deadline) {
      r = http.get("/v1/users/" + user + "/features");
      if (r.status() == 200 && r.body().path("source_lsn").asLong() >= lsn) {
        return r.body();
      }
      Thread.sleep(POLL_MILLIS);
    }
    throw new IllegalStateException("change after LSN " + lsn + " not visible within 30 s; last answer: "
        + r.status() + " " + r.body());
  }
}
