package dev.freshet.local;

import dev.freshet.common.Settings;
import dev.freshet.embedded.FreePorts;
import dev.freshet.embedded.LocalServers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole pipeline on this machine: real PostgreSQL, Kafka and CQL servers, the five services
 * and the demo workload, until Ctrl-C. Run by {@code bin/freshet-local}.
 */
public final class FreshetLocal {
  private static final Logger LOG = LoggerFactory.getLogger(FreshetLocal.class);

  private FreshetLocal() {}

  public static void main(String[] args) throws Exception {
    Settings options = Settings.fromCommandLine(args,
        "bin/freshet-local [--data-dir DIR] [--users N] [--rate PER_SECOND] [--http-port P]", "data-dir", "users", "rate", "http-port");
    Path dataDir = Path.of(options.string("data-dir", ".freshet/local"));
    int users = options.integer("users", 50);
    double rate = options.number("rate", 10);
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
    Settings settings = Pipeline.settingsFor(servers, dataDir, httpPort);
    Pipeline pipeline;
    try {
      pipeline = Pipeline.start(settings);
    } catch (RuntimeException e) {
      servers.close();
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("stopping the local stack");
      workload.close();
      pipeline.close();
      servers.close();
      stopped.countDown();
    }, "freshet-local-shutdown"));

    HttpJson http = new HttpJson(pipeline.servingUrl());
    awaitFeatures(http, "1");
    workload.start();
    // The whole path once: PostgreSQL rows -> features -> prompt -> generated text.
    HttpJson.Response first = http.post("/v1/generate", "{\"user_id\": \"1\", \"prompt\": \"recommend something\"}");
    LOG.info("generated for user 1 ({}): {}", first.status(), first.body() == null ? "" : first.body().path("text").asText());
    double seconds = (System.nanoTime() - started) / 1e9;
    System.out.printf("""

        Freshet is running (ready in %.1f s). Data: %s
          serving:     %s      (metrics: /metrics, health: /health, /ready)
          PostgreSQL:  %s   (user postgres, no password; demo writes ~%.0f changes/s)
          Kafka:       %s
          CQL:         %s:%d

        Try:
          curl -s %s/v1/users/1/features
          curl -s -X POST %s/v1/generate -H 'Content-Type: application/json' \\
               -d '{"user_id": "2", "prompt": "recommend something", "max_tokens": 48}'
          curl -s %s/v1/models

        Ctrl-C stops everything.
        %n""", seconds, dataDir, pipeline.servingUrl(), servers.postgres.jdbcUrl(), rate, servers.kafka.bootstrapServers(),
        servers.cql.host(), servers.cql.nativePort(), pipeline.servingUrl(), pipeline.servingUrl(), pipeline.servingUrl());
    stopped.await();
  }

  private static void awaitFeatures(HttpJson http, String userId) throws InterruptedException {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (http.get("/v1/users/" + userId + "/features").status() == 200) {
        return;
      }
      Thread.sleep(200);
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

  static void deleteRecursively(Path dir) {
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
