package dev.freshet.local;

import com.datastax.oss.driver.api.core.CqlSession;
import dev.freshet.common.CqlSessions;
import dev.freshet.common.Settings;
import dev.freshet.embedded.FreePorts;
import dev.freshet.embedded.LocalServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * {@code POST /v1/generate} end to end on the real local stack: each request reads a user's
 * features from the CQL store, builds the prompt and generates exactly {@code --tokens} new tokens
 * ({@code min_tokens} = {@code max_tokens}) through the batcher. Open loop at each of
 * {@code --rates}, latency from each request's intended start (HdrHistogram), throughput counted
 * from 200 answers; also the mean batch size (from serving's metrics) and the machine's busy cores.
 * Run by {@code bin/bench-generate}.
 */
public final class GenerateBench {
  /** Summaries read from serving's metrics: batch sizes, time per batch, time per request inside serving. */
  private static final List<String> SUMMARIES = List.of("freshet_generate_batch_size", "freshet_generate_batch_seconds",
      "freshet_serving_generate_seconds");

  private GenerateBench() {}

  public static void main(String[] args) throws Exception {
    Settings o = Settings.fromCommandLine(args, "bin/bench-generate [--users N] [--rates R,R,...] [--seconds S] "
        + "[--concurrency C] [--tokens T] [--warmup S]", "users", "rates", "seconds", "concurrency", "tokens", "warmup");
    int users = o.integer("users", 10_000);
    double[] rates = Arrays.stream(o.string("rates", "10,25,50,100,150,200").split(",")).mapToDouble(Double::parseDouble).toArray();
    int seconds = o.integer("seconds", 20);
    int concurrency = o.integer("concurrency", 64);
    int tokens = o.integer("tokens", 32);
    int warmup = o.integer("warmup", 20);

    Path dir = Files.createTempDirectory("freshet-generate-bench");
    try (LocalServers servers = LocalServers.start(dir, "shop")) {
      new DemoDatabase(servers.postgres.dataSource()).createSchema();
      try (Pipeline pipeline = Pipeline.start(Pipeline.settingsFor(servers, dir, FreePorts.pick()));
          CqlSession session = CqlSessions.open(servers.cql.host() + ":" + servers.cql.nativePort(),
              servers.cql.localDatacenter(), Duration.ofSeconds(2))) {
        OnlineBench.loadStore(session, users);
        StringBuilder report = new StringBuilder();
        report.append(String.format("loaded %d users; waited %.1f s for the machine to settle%n", users, OnlineBench.settle()));
        String url = pipeline.servingUrl();
        String apiKey = pipeline.apiKey();
        HttpJson ops = new HttpJson(pipeline.opsUrls().get("serving"));
        String body = "\", \"prompt\": \"recommend something\", \"min_tokens\": " + tokens + ", \"max_tokens\": " + tokens + "}";
        Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
        Supplier<OnlineBench.Request> generate = () -> {
          KeepAliveHttp connection = new KeepAliveHttp(url, apiKey);
          return () -> statuses.computeIfAbsent(connection.post("/v1/generate",
              "{\"user_id\": \"" + OnlineBench.benchUser(users) + body), s -> new LongAdder()).increment();
        };
        OnlineBench.openLoop(rates[0], warmup, concurrency, generate); // JIT and the first batches
        report.append(String.format("POST /v1/generate, %d new tokens, features from the store; open loop, %d workers, %d s per rate%n",
            tokens, concurrency, seconds));
        double sustained = 0;
        for (double rate : rates) {
          statuses.clear();
          double[] before = summaries(ops);
          long[] cpu = MachineLoad.cpuTicks();
          long start = System.nanoTime();
          Histogram h = OnlineBench.openLoop(rate, seconds, concurrency, generate);
          double wall = (System.nanoTime() - start) / 1e9;
          double busy = MachineLoad.busyCores(cpu, MachineLoad.cpuTicks());
          double[] after = summaries(ops);
          long ok = statuses.getOrDefault(200, new LongAdder()).sum();
          double throughput = ok / wall;
          double meanBatch = mean(before, after, 0);
          double meanBatchMs = 1000 * mean(before, after, 1);
          double meanServingMs = 1000 * mean(before, after, 2);
          Map<Integer, Long> other = new TreeMap<>();
          statuses.forEach((s, n) -> {
            if (s != 200) {
              other.put(s, n.sum());
            }
          });
          boolean kept = other.isEmpty() && throughput >= 0.95 * rate && h.getValueAtPercentile(99) < 1_000_000;
          if (kept) {
            sustained = Math.max(sustained, rate);
          }
          String line = String.format("  offered %4.0f/s: %6.1f answers/s  p50 %7.1f ms  p99 %7.1f ms  p99.9 %7.1f ms  max %7.1f ms"
                  + "  mean batch %4.1f (%.1f ms)  mean in serving %.1f ms  %.1f cores busy%s%s%n",
              rate, throughput, h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
              h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0, meanBatch, meanBatchMs, meanServingMs, busy,
              other.isEmpty() ? "" : "  non-200: " + other, kept ? "" : "  (not sustained)");
          System.err.print(line);
          report.append(line);
        }
        report.append(String.format("highest offered rate sustained (all 200, >= 95%% answered in time, p99 < 1 s): %.0f req/s%n", sustained));
        report.append("machine: ").append(MachineLoad.summary()).append(System.lineSeparator());
        System.out.println();
        System.out.print(report);
      }
    } finally {
      FreshetLocal.deleteRecursively(dir);
    }
  }

  /** Sum and count of each of {@link #SUMMARIES}, from serving's Prometheus endpoint (its ops listener): [sum0, count0, sum1, ...]. */
  private static double[] summaries(HttpJson ops) throws Exception {
    String text = new String(java.net.URI.create(ops.baseUrl() + "/metrics").toURL().openStream().readAllBytes());
    double[] values = new double[2 * SUMMARIES.size()];
    for (int i = 0; i < SUMMARIES.size(); i++) {
      Matcher m = Pattern.compile("^" + SUMMARIES.get(i) + "_(sum|count)(?:\\{[^}]*})? ([0-9.eE+-]+)$", Pattern.MULTILINE).matcher(text);
      while (m.find()) {
        values[2 * i + (m.group(1).equals("sum") ? 0 : 1)] += Double.parseDouble(m.group(2));
      }
    }
    return values;
  }

  /** Mean of summary {@code i} between two readings. */
  private static double mean(double[] before, double[] after, int i) {
    return (after[2 * i] - before[2 * i]) / Math.max(1, after[2 * i + 1] - before[2 * i + 1]);
  }
}
