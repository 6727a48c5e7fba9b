package dev.freshet.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.freshet.common.freshness.Watermark;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A source's change history: each Debezium event kept as written and unpacked for analysts. */
class ChangeHistoryTest {
  static final TableIdentifier ID = TableIdentifier.of(Namespace.of("freshet"), "changes_events");
  // As ingest-cdc writes them (JSON converter, schemas off); times are Debezium's micros / millis.
  static final String INSERT = """
      {"before":null,"after":{"id":5,"user_id":"u1","kind":"view","amount":null,"category":"books","occurred_at":"2026-12-04T23:59:00Z"},
       "source":{"lsn":1000,"ts_ms":1796428799000},"op":"c"}""";
  static final String UPDATE = """
      {"before":null,"after":{"id":5,"user_id":"u1","kind":"purchase","amount":"12.50","category":"books","occurred_at":"2026-12-04T23:59:00Z"},
       "source":{"lsn":2000,"ts_ms":1796428801000},"op":"u"}""";
  static final String DELETE = """
      {"before":{"id":5,"user_id":null,"kind":null,"amount":null,"category":null,"occurred_at":null},"after":null,
       "source":{"lsn":3000,"ts_ms":1796428802000},"op":"d"}""";

  @TempDir Path dir;
  JdbcCatalog catalog;
  final ExecutorService commitPool = Executors.newCachedThreadPool();

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

  private static ConsumerRecord<String, String> event(long offset, String value, boolean marker) {
    RecordHeaders headers = marker ? (RecordHeaders) Watermark.markerHeaders() : new RecordHeaders();
    return new ConsumerRecord<>("freshet.public.events", 0, offset, 0L, TimestampType.CREATE_TIME, -1, -1, "{\"id\":5}", value,
        headers, Optional.empty());
  }

  @Test
  void everyChangeIsKeptAsWrittenAndUnpackedByDayOfCommitInLsnOrder() throws IOException {
    KafkaFedTable history = new KafkaFedTable(catalog, ID, ChangeHistory.SCHEMA, ChangeHistory.layout(), commitPool);
    List<Record> rows = new ArrayList<>();
    long offset = 0;
    for (String value : List.of(DELETE, INSERT, "{\"source\":\"marker\"}", UPDATE)) {
      Record row = ChangeHistory.row(event(offset, value, value.contains("marker")), GenericRecord.create(history.table().schema()));
      if (row != null) {
        row.setField("kafka_partition", 0);
        row.setField("kafka_offset", offset);
        rows.add(row);
      }
      offset++;
    }
    history.append(rows, Map.of(), Map.of(0, offset));

    Table table = history.table();
    table.refresh();
    List<Record> read = new ArrayList<>();
    try (CloseableIterable<Record> all = IcebergGenerics.read(table).build()) {
      all.forEach(read::add);
    }
    assertThat(read).as("the marker is not a change; by day of commit, then LSN")
        .extracting(r -> r.getField("op") + "@" + r.getField("lsn")).containsExactly("c@1000", "u@2000", "d@3000");
    Record insert = read.get(0);
    assertThat(insert.getField("pk")).isEqualTo("5");
    assertThat(insert.getField("commit_time")).isEqualTo(OffsetDateTime.of(2026, 12, 4, 23, 59, 59, 0, ZoneOffset.UTC));
    Map<String, String> after = new HashMap<>();
    after.put("id", "5");
    after.put("user_id", "u1");
    after.put("kind", "view");
    after.put("amount", null);
    after.put("category", "books");
    after.put("occurred_at", "2026-12-04T23:59:00Z");
    assertThat(insert.getField("after")).isEqualTo(after);
    assertThat(insert.getField("before")).isNull();
    assertThat(insert.getField("event")).as("as written, for a recomputation with the stream's parser").isEqualTo(INSERT);
    assertThat(insert.getField("event_key")).isEqualTo("{\"id\":5}");
    assertThat(((Map<?, ?>) read.get(1).getField("after")).get("amount")).isEqualTo("12.50");
    assertThat(read.get(2).getField("after")).isNull();
    assertThat(((Map<?, ?>) read.get(2).getField("before")).get("id")).isEqualTo("5");

    List<String> files = new ArrayList<>();
    try (var tasks = table.newScan().planFiles()) {
      tasks.forEach(t -> files.add(t.file().partition().get(0, Integer.class) + ":" + t.file().recordCount()));
    }
    assertThat(files).as("partitioned by day of commit time")
        .containsExactlyInAnyOrder(LocalDate.of(2026, 12, 4).toEpochDay() + ":1", LocalDate.of(2026, 12, 5).toEpochDay() + ":2");
  }

  @Test
  void anEventThatIsNotAChangeIsRefusedWithTheReason() {
    KafkaFedTable history = new KafkaFedTable(catalog, ID, ChangeHistory.SCHEMA, ChangeHistory.layout(), commitPool);
    assertThatThrownBy(() -> ChangeHistory.row(event(0, "{\"op\":\"c\"}", false), GenericRecord.create(history.table().schema())))
        .hasMessageContaining("op or source.lsn missing");
  }
}
