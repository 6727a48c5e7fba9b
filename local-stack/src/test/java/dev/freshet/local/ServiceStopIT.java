package dev.freshet.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.common.FeatureVector;
import dev.freshet.common.Json;
import dev.freshet.embedded.ChildProcess;
import dev.freshet.embedded.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * offline-sink's own main, as systemd runs it, stopped with SIGTERM: the rows it had buffered and
 * those still waiting on the topic are committed to Iceberg before it exits, with status 0 and no
 * ERROR in its log. (Its commit interval is an hour, so only the stop can have committed them.)
 */
@ExtendWith(SharedStack.class)
class ServiceStopIT {
  @TempDir Path dir;

  @Test
  void sigtermCommitsTheLastBatchToIceberg() throws Exception {
    String topic = "stop-it-features-" + UUID.randomUUID();
    Path warehouse = dir.resolve("warehouse");
    int opsPort = FreePorts.pick();
    Properties config = new Properties();
    config.setProperty("kafka.bootstrap-servers", SharedStack.get().servers().kafka.bootstrapServers());
    config.setProperty("iceberg.warehouse", warehouse.toString());
    config.setProperty("topics.features", topic);
    config.setProperty("topics.generations", topic + "-generations");
    config.setProperty("offline-sink.group-id", topic);
    config.setProperty("offline-sink.commit-interval", "60m");
    config.setProperty("ops.port", Integer.toString(opsPort));
    Path file = dir.resolve("offline-sink.properties");
    try (var out = Files.newBufferedWriter(file)) {
      config.store(out, null);
    }
    Path log = dir.resolve("offline-sink.log");
    ChildProcess sink = TestJvm.start("offline-sink", List.of("-Xmx256m"), "dev.freshet.offline.OfflineSinkService",
        List.of("--config", file.toString()), Map.of(), log);
    try (KafkaProducer<String, String> producer = producer()) {
      awaitHealthy(opsPort, sink, log);
      send(producer, topic, 0, 30);
      Thread.sleep(2_000); // read into the sink's buffer, not committed: the interval is an hour
      send(producer, topic, 30, 20); // still on the topic when the stop begins
    } finally {
      sink.close(); // SIGTERM, as systemd stops it, and wait
    }
    String output = Files.readString(log);
    assertThat(sink.exitValue()).as(output).isZero();
    assertThat(output.lines().filter(l -> l.contains(" ERROR ") || l.contains("Exception"))).as(output).isEmpty();
    assertThat(userIds(warehouse)).as("every vector sent before the stop is in Iceberg").hasSize(50)
        .containsAll(List.of("stop-0", "stop-29", "stop-30", "stop-49"));
  }

  private static KafkaProducer<String, String> producer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedStack.get().servers().kafka.bootstrapServers());
    return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
  }

  private static void send(KafkaProducer<String, String> producer, String topic, int from, int count) {
    for (int i = from; i < from + count; i++) {
      Instant now = Instant.now();
      FeatureVector v = new FeatureVector("stop-" + i, Map.of("events_1h", i), now, 1000 + i, now, 1000 + i, now, 1);
      producer.send(new ProducerRecord<>(topic, v.userId(), Json.write(v)));
    }
    producer.flush();
  }

  /** Until its ops listener answers /health with 200; fails at once, with its log, if the sink exits first. */
  private static void awaitHealthy(int port, ChildProcess sink, Path log) throws Exception {
    HttpJson ops = new HttpJson("http://127.0.0.1:" + port);
    Await.until(Duration.ofSeconds(60), "offline-sink's /health", () -> {
      if (!sink.isAlive()) {
        throw new AssertionError("offline-sink exited; its log:\n" + read(log));
      }
      try {
        return ops.get("/health").status();
      } catch (UncheckedIOException notListeningYet) {
        return -1;
      }
    }, status -> status == 200);
    Thread.sleep(1_000); // and let its consumers join the group
  }

  private static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> userIds(Path warehouse) throws IOException {
    try (JdbcCatalog catalog = Warehouse.catalog(warehouse)) {
      Table table = catalog.loadTable(TableIdentifier.of("freshet", "user_features_log"));
      List<String> ids = new ArrayList<>();
      try (CloseableIterable<Record> rows = IcebergGenerics.read(table).build()) {
        rows.forEach(r -> ids.add(String.valueOf(r.getField("user_id"))));
      }
      return ids;
    }
  }
}
