package dev.freshet.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.freshet.common.FeatureVector;
import dev.freshet.common.Json;
import dev.freshet.common.definitions.FeatureDefinitions;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The feature log's typed fields: one per declared feature, of the feature's type, added as the definitions grow. */
class FeatureLogTest {
  static final TableIdentifier ID = TableIdentifier.of(Namespace.of("freshet"), "user_features_log");
  static final String NEW_FEATURE = """
            - name: views_24h
              aggregation: count
              filter: kind = 'view'
              window: 24h
      """;

  @TempDir Path dir;
  JdbcCatalog catalog;
  final ExecutorService commitPool = Executors.newCachedThreadPool();
  long offset;

  @BeforeEach
  void open() {
    catalog = OfflineSinkService.openCatalog("jdbc:sqlite:" + dir.resolve("catalog.db"), dir.resolve("warehouse"));
    catalog.createNamespace(Namespace.of("freshet"));
  }

  @AfterEach
  void close() throws IOException {
    catalog.close();
    commitPool.shutdownNow();
  }

  private KafkaFedTable log(FeatureDefinitions definitions) {
    return new KafkaFedTable(catalog, ID, FeatureLog.SCHEMA, FeatureLog.evolve(definitions), commitPool);
  }

  /** Appends one vector of user 7 with {@code features} as feature-streams publishes it (JSON on the topic). */
  private void append(KafkaFedTable log, Map<String, Object> features) {
    append(log, List.of(vector("7", Instant.parse("2026-12-05T10:00:01Z"), features)));
  }

  private static FeatureVector vector(String user, Instant computedAt, Map<String, Object> features) {
    return new FeatureVector(user, features, computedAt.minusSeconds(1), 42, computedAt.minusSeconds(1), 1, computedAt, 1);
  }

  /** Appends {@code vectors} as one batch, at the next offsets of partition 0. */
  private void append(KafkaFedTable log, List<FeatureVector> vectors) {
    long start = offset;
    List<Record> rows = new ArrayList<>();
    for (FeatureVector v : vectors) {
      Record row = FeatureLog.row(new ConsumerRecord<>("features", 0, offset, v.userId(), Json.write(v)),
          GenericRecord.create(log.table().schema()));
      row.setField("kafka_partition", 0);
      row.setField("kafka_offset", offset++);
      rows.add(row);
    }
    log.append(rows, start == 0 ? Map.of() : Map.of(0, start), Map.of(0, offset));
  }

  @Test
  void theLogIsPartitionedByDayOfComputationSortedByUserAndTimeAndAUserIsForgottenInEveryDay() throws IOException {
    KafkaFedTable log = log(FeatureDefinitions.bundled());
    Instant day1 = Instant.parse("2026-12-04T23:59:59Z");
    Instant day2 = Instant.parse("2026-12-05T00:00:01Z");
    append(log, List.of(vector("9", day2.plusSeconds(5), Map.of()), vector("8", day1, Map.of()), vector("9", day1, Map.of()),
        vector("8", day2, Map.of()), vector("9", day2, Map.of())));

    Table table = log.table();
    assertThat(table.spec().fields()).extracting(f -> f.transform().toString() + "(" + table.schema().findColumnName(f.sourceId()) + ")")
        .containsExactly("day(computed_at)");
    List<String> files = new ArrayList<>();
    try (var tasks = table.newScan().planFiles()) {
      tasks.forEach(t -> files.add(t.file().partition().get(0, Integer.class) + ":" + t.file().recordCount()));
    }
    assertThat(files).as("one file per day (days since the epoch): rows")
        .containsExactlyInAnyOrder(LocalDate.of(2026, 12, 4).toEpochDay() + ":2", LocalDate.of(2026, 12, 5).toEpochDay() + ":3");
    assertThat(rows(table)).extracting(r -> r.getField("user_id") + "@" + r.getField("computed_at"))
        .as("within each file by user, then time").containsExactly(
            "8@2026-12-04T23:59:59Z", "9@2026-12-04T23:59:59Z",
            "8@2026-12-05T00:00:01Z", "9@2026-12-05T00:00:01Z", "9@2026-12-05T00:00:06Z");

    log.forget("user_id", "9");
    assertThat(rows(table)).extracting(r -> r.getField("user_id")).as("user 9 gone from both days").containsExactly("8", "8");
  }

  private static List<Record> rows(Table table) throws IOException {
    table.refresh();
    List<Record> rows = new ArrayList<>();
    try (CloseableIterable<Record> all = IcebergGenerics.read(table).build()) {
      all.forEach(rows::add);
    }
    return rows;
  }

  private static Record typed(Record row) {
    return (Record) row.getField(FeatureColumns.STRUCT);
  }

  @Test
  void eachFeatureIsLoggedInAFieldOfItsType() throws IOException {
    KafkaFedTable log = log(FeatureDefinitions.bundled());
    Map<String, Object> features = new LinkedHashMap<>();
    features.put("events_1h", 3);
    features.put("purchase_amount_24h", new BigDecimal("141.45"));
    features.put("avg_purchase_amount_30d", new BigDecimal("70.725"));
    features.put("last_viewed_category", "books");
    features.put("last_viewed_author", null);
    features.put("top_categories_7d", List.of("books", "music"));
    features.put("last_event_at", "2026-12-05T09:59:58.123456Z");
    append(log, features);

    Record values = typed(rows(log.table()).get(0));
    assertThat(values.getField("events_1h")).isEqualTo(3L);
    assertThat(values.getField("purchase_amount_24h")).isEqualTo(new BigDecimal("141.450000000"));
    assertThat(values.getField("avg_purchase_amount_30d")).isEqualTo(new BigDecimal("70.725000000"));
    assertThat(values.getField("last_viewed_category")).isEqualTo("books");
    assertThat(values.getField("last_viewed_author")).isNull();
    assertThat(values.getField("top_categories_7d")).isEqualTo(List.of("books", "music"));
    assertThat(values.getField("last_event_at")).isEqualTo(OffsetDateTime.of(2026, 12, 5, 9, 59, 58, 123_456_000, ZoneOffset.UTC));
    assertThat(values.getField("purchases_7d")).as("absent from the vector").isNull();
  }

  @Test
  void aFeatureAddedToTheDefinitionsGetsAFieldAndOlderRowsReadNull() throws IOException {
    append(log(FeatureDefinitions.bundled()), Map.of("events_1h", 1));
    KafkaFedTable grown = log(FeatureDefinitions.parse(bundledYaml().replaceFirst("    features:\n", "    features:\n" + NEW_FEATURE), "test"));
    append(grown, Map.of("events_1h", 2, "views_24h", 5));

    List<Record> rows = rows(grown.table());
    assertThat(rows).hasSize(2);
    assertThat(rows).extracting(r -> typed(r).getField("views_24h")).containsExactlyInAnyOrder(null, 5L);
    assertThat(rows).extracting(r -> typed(r).getField("events_1h")).containsExactlyInAnyOrder(1L, 2L);
  }

  @Test
  void aFeatureWhoseTypeChangedIsRefusedAtStart() {
    log(FeatureDefinitions.bundled());
    String lastIsNowACount = bundledYaml().replaceFirst(
        "- name: last_viewed_category\n        aggregation: last\n        column: category", "- name: last_viewed_category\n        aggregation: count");
    assertThat(lastIsNowACount).isNotEqualTo(bundledYaml());
    assertThatThrownBy(() -> log(FeatureDefinitions.parse(lastIsNowACount, "test")))
        .hasMessageContaining("feature last_viewed_category is logged as string")
        .hasMessageContaining("give the changed feature a new name");
  }

  @Test
  void aValueThatDoesNotFitItsTypeIsKeptAsPublishedAndItsFieldLeftEmpty() throws IOException {
    KafkaFedTable log = log(FeatureDefinitions.bundled());
    append(log, Map.of("events_1h", new BigDecimal("1.5"), "last_viewed_category", "books"));

    Record row = rows(log.table()).get(0);
    assertThat(typed(row).getField("events_1h")).isNull();
    assertThat(typed(row).getField("last_viewed_category")).isEqualTo("books");
    assertThat((String) row.getField("features")).contains("\"events_1h\":1.5");
  }

  private static String bundledYaml() {
    return FeatureDefinitions.bundledText();
  }
}
