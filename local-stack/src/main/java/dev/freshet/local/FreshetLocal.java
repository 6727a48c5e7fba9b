package dev.freshet.local;

import ch.qos.logback.classic.Level;
import dev.freshet.common.FeatureStoreSchema;
import dev.freshet.common.ServiceMain;
import dev.freshet.common.Settings;
import dev.freshet.common.StopSignals;
import dev.freshet.embedded.FreePorts;
import dev.freshet.embedded.LocalServers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole pipeline on this machine: real PostgreSQL, Kafka and CQL servers, the five services
 * and the demo workload, until Ctrl-C or SIGTERM. Run by {@code bin/freshet-local}.
 */
public final class FreshetLocal {
  private static final Logger LOG = LoggerFactory.getLogger(FreshetLocal.class);

  private FreshetLocal() {}

  public static void main(String[] args) throws Exception {
    Settings options = Settings.fromCommandLine(args,
        "bin/freshet-local [--data-dir DIR] [--users N] [--rate PER_SECOND] [--http-port P] [--no-auth true]", "data-dir", "users", "rate",
        "http-port", "no-auth");
    CountDownLatch stopRequested = StopSignals.install("freshet-local");
    quietFreshClusterChatter();
    Path dataDir = Path.of(options.string("data-dir", ".freshet/local"));
    int users = options.integer("users", 50);
    double rate = options.number("rate", 10);
    boolean authenticate = !Boolean.parseBoolean(options.string("no-auth", "false"));
    int httpPort = options.integer("http-port", 0) > 0 ? options.integer("http-port", 0) : portOrFree(8080);
    long started = System.nanoTime();
    dataDir = dataDir.toAbsolutePath();
    deleteRecursively(dataDir); // every local run starts from an empty demo
    Files.createDirectories(dataDir);

    LocalServers servers = LocalServers.start(dataDir, "shop");
    DemoDatabase db = new DemoDatabase(servers.postgres.dataSource());
    db.createSchema();
    DemoWorkload workload = new DemoWorkload(db, users, rate, 7);
    workload.seedUsers();
    Settings settings = Pipeline.settingsFor(servers, dataDir, httpPort)
        .with(Map.of("admin.port", Integer.toString(portOrFree(8081))));
    Files.createDirectories(Path.of(settings.requireString("generator.models-root")));
    Pipeline pipeline;
    try {
      pipeline = Pipeline.start(settings, authenticate);
    } catch (RuntimeException e) {
      servers.close();
      throw e;
    }
    // Workload first, then the services upstream-first (the sinks drain and commit), then the servers.
    AutoCloseable everything = () -> {
      LOG.info("stopping the local stack");
      workload.close();
      pipeline.close();
      servers.close();
    };

    HttpJson http = pipeline.api();
    if (awaitFeatures(http, "1", stopRequested)) {
      workload.start();
      // The whole path once: PostgreSQL rows -> features -> prompt -> generated text.
      HttpJson.Response first = http.post("/v1/generate", "{\"user_id\": \"1\", \"prompt\": \"recommend something\"}");
      LOG.info("generated for user 1 ({}): {}", first.status(), first.body() == null ? "" : first.body().path("text").asText());
      System.out.print(banner((System.nanoTime() - started) / 1e9, dataDir, pipeline, servers, rate));
    }
    System.exit(ServiceMain.runUntilStopped("freshet-local", stopRequested, everything));
  }

  /**
   * A freshly formatted one-node cluster answers its first requests for new topics with retriable
   * metadata errors, which clients log as warnings, and so do the leftover clients of stopped
   * services (Debezium never closes its offset store's admin client) while the broker stops. Here
   * they are expected noise; in a deployment the services keep Kafka's warnings.
   */
  private static void quietFreshClusterChatter() {
    for (String name : List.of("org.apache.kafka.clients.NetworkClient", "org.apache.kafka.clients.producer.internals.Sender",
        "org.apache.kafka.controller")) {
      ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(name)).setLevel(Level.ERROR);
    }
  }

  static String banner(double seconds, Path dataDir, Pipeline pipeline, LocalServers servers, double rate) {
    String api = pipeline.servingUrl();
    String key = pipeline.authenticates()
        ? "-H 'Authorization: Bearer " + pipeline.apiKey() + "' "
        : "";
    String keyLine = pipeline.authenticates()
        ? "API key 'local' (every scope) in " + LocalApiKey.tokenFile(Path.of(pipeline.settings().requireString("auth.keys-file")))
        : "*** AUTHENTICATION IS OFF (--no-auth): anyone who reaches the port reads every user's features ***";
    StringBuilder ops = new StringBuilder();
    pipeline.opsUrls().forEach((name, url) -> ops.append(String.format("    %-16s %s%n", name, url)));
    return String.format("""

        Freshet is running (ready in %.1f s, pid %d). Data: %s
          serving API:    %s   (%s)
          serving admin:  %s   (GET /admin/models, POST /admin/models/{name}/reload; admin scope; loopback only)
          ops listeners (GET /health, GET /metrics; serving also GET /ready):
        %s  PostgreSQL:     psql -h %s -p %d -U postgres %s   (no password; the demo writes ~%.0f changes/s)
          Kafka:          %s
          CQL:            %s:%d   (keyspace %s)
          Iceberg:        %s

        Try:
          curl -s %s%s/v1/users/1/features
          curl -s %s-X POST %s/v1/generate -H 'Content-Type: application/json' \\
               -d '{"user_id": "2", "prompt": "recommend something", "max_tokens": 48}'
          curl -s %s%s/v1/models

        Ctrl-C, or SIGTERM (kill %d), stops everything in order.

        """, seconds, ProcessHandle.current().pid(), dataDir, api, keyLine, pipeline.adminUrl(), ops, servers.postgres.host(),
        servers.postgres.port(), servers.postgres.database(), rate, servers.kafka.bootstrapServers(), servers.cql.host(),
        servers.cql.nativePort(), FeatureStoreSchema.DEFAULT_KEYSPACE, dataDir.resolve("warehouse"), key, api, key, api, key, api,
        ProcessHandle.current().pid());
  }

  /** True once the user has features; false if a stop was asked for first. */
  private static boolean awaitFeatures(HttpJson http, String userId, CountDownLatch stopRequested) throws InterruptedException {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (http.get("/v1/users/" + userId + "/features").status() == 200) {
        return true;
      }
      if (stopRequested.await(200, TimeUnit.MILLISECONDS)) {
        return false;
      }
    }
    throw new IllegalStateException("no features for user " + userId + " after 120 s: see the log above");
  }

  private static int portOrFree(int preferred) {
    try (ServerSocket s = new ServerSocket(preferred, 1, InetAddress.getLoopbackAddress())) {
      return preferred;
    } catch (IOException busy) {
      return FreePorts.pick();
    }
  }

  public static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
