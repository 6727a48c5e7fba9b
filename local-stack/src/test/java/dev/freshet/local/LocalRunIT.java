package dev.freshet.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.freshet.common.Topics;
import dev.freshet.embedded.ChildProcess;
import dev.freshet.offline.KafkaFedTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local run as a user starts it, in its own process: its banner names every address a user
 * needs, and SIGTERM stops it with exit status 0, no ERROR in its log, and every feature vector
 * published before the stop in the Iceberg feature log — committed by the stop itself, since the
 * offline sink's commit interval is set to an hour.
 */
class LocalRunIT {
  private static final Pattern KAFKA = Pattern.compile("Kafka: +(\\S+)");
  private static final Pattern ADMIN = Pattern.compile("serving admin: +(http://\\S+)");
  private static final Pattern API = Pattern.compile("serving API: +(http://\\S+)");

  @TempDir Path dir;

  @Test
  void theBannerNamesEveryAddressAndSigtermStopsCleanlyWithTheLastBatchInIceberg() throws Exception {
    Path data = dir.resolve("local");
    Path log = dir.resolve("freshet-local.log");
    ChildProcess local = TestJvm.start("freshet-local", List.of(), FreshetLocal.class.getName(),
        List.of("--data-dir", data.toString(), "--users", "5", "--rate", "20"), Map.of("FRESHET_OFFLINE_SINK_COMMIT_INTERVAL", "60m"),
        log);
    Map<TopicPartition, Long> published;
    try {
      String banner = Await.until(Duration.ofSeconds(240), "the local run's banner", () -> read(log),
          text -> text.contains("Freshet is running") && text.contains("stops everything in order") || !local.isAlive());
      assertThat(local.isAlive()).as(banner).isTrue();
      assertThat(banner).contains("serving API:", "psql -h 127.0.0.1 -p ", "-U postgres shop", "CQL:", "Iceberg:",
          "ingest-cdc", "feature-streams", "online-sink", "offline-sink", "kill ");
      Matcher admin = ADMIN.matcher(banner);
      assertThat(admin.find()).as(banner).isTrue();
      String key = LocalApiKey.token(data.resolve("api-keys.json"));
      assertThat(banner).as("the banner's curls carry the key").contains("-H 'Authorization: Bearer " + key + "'");
      HttpJson.Response models = new HttpJson(admin.group(1), key).get("/admin/models");
      assertThat(models.status()).as("the admin address in the banner answers").isEqualTo(200);
      Matcher api = API.matcher(banner);
      assertThat(api.find()).as(banner).isTrue();
      assertThat(new HttpJson(api.group(1), key).get("/v1/users/1/features").status()).as("the banner's first curl").isEqualTo(200);
      assertThat(new HttpJson(api.group(1)).get("/v1/users/1/features").status()).as("without the key").isEqualTo(401);
      Matcher kafka = KAFKA.matcher(banner);
      assertThat(kafka.find()).as(banner).isTrue();
      Thread.sleep(3_000); // the workload writes; vectors flow to the sinks
      published = committedEnd(kafka.group(1));
      assertThat(published.values().stream().mapToLong(Long::longValue).sum()).as("vectors published").isPositive();
    } finally {
      local.close(); // SIGTERM through the watchdog, then wait
    }
    String output = read(log);
    assertThat(local.exitValue()).as(output).isZero();
    assertThat(output.lines().filter(l -> l.contains(" ERROR ") || l.startsWith("Exception"))).as("ERROR lines").isEmpty();
    Map<Integer, Long> committed = icebergOffsets(data.resolve("warehouse"));
    for (Map.Entry<TopicPartition, Long> e : published.entrySet()) {
      assertThat(committed.getOrDefault(e.getKey().partition(), 0L)).as("Iceberg is at or past what was published on %s", e.getKey())
          .isGreaterThanOrEqualTo(e.getValue());
    }
  }

  /** The end of the features topic as a read_committed consumer sees it, per partition. */
  private static Map<TopicPartition, Long> committedEnd(String bootstrap) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      Map<TopicPartition, OffsetSpec> request = new HashMap<>();
      admin.describeTopics(List.of(Topics.USER_FEATURES)).allTopicNames().get().get(Topics.USER_FEATURES).partitions()
          .forEach(p -> request.put(new TopicPartition(Topics.USER_FEATURES, p.partition()), OffsetSpec.latest()));
      Map<TopicPartition, Long> end = new HashMap<>();
      admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get()
          .forEach((tp, info) -> end.put(tp, info.offset()));
      return end;
    }
  }

  private static Map<Integer, Long> icebergOffsets(Path warehouse) throws IOException {
    try (JdbcCatalog catalog = Warehouse.catalog(warehouse)) {
      Table table = catalog.loadTable(TableIdentifier.of("freshet", "user_features_log"));
      assertThat(table.currentSnapshot()).as("the stop committed a snapshot").isNotNull();
      return KafkaFedTable.offsets(table);
    }
  }

  private static String read(Path log) {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
