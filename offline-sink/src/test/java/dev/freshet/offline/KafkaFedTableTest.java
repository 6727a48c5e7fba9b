package dev.freshet.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Kafka-fed Iceberg table on disk (JDBC catalog on SQLite, as the local run uses), written by
 * more than one writer at once, as two offline-sink instances (or a zombie after a failover) do.
 */
class KafkaFedTableTest {
  static final Schema SCHEMA = new Schema(
      Types.NestedField.required(1, "user_id", Types.StringType.get()),
      Types.NestedField.required(2, "kafka_partition", Types.IntegerType.get()),
      Types.NestedField.required(3, "kafka_offset", Types.LongType.get()));
  static final TableIdentifier ID = TableIdentifier.of(Namespace.of("freshet"), "t");

  @TempDir Path dir;
  final List<JdbcCatalog> catalogs = new ArrayList<>();
  final ExecutorService commitPool = Executors.newCachedThreadPool();

  @BeforeEach
  void createNamespace() {
    catalog().createNamespace(Namespace.of("freshet"));
  }

  @AfterEach
  void close() throws Exception {
    for (JdbcCatalog c : catalogs) {
      c.close();
    }
    commitPool.shutdownNow();
  }

  /** A writer of its own: its own catalog connection and table object, as a second process would have. */
  private KafkaFedTable writer() {
    return new KafkaFedTable(catalog(), ID, SCHEMA, t -> t, commitPool);
  }

  private JdbcCatalog catalog() {
    JdbcCatalog c = OfflineSinkService.openCatalog("jdbc:sqlite:" + dir.resolve("catalog.db"), dir.resolve("warehouse"));
    catalogs.add(c);
    return c;
  }

  /**
   * Two writers, each appending its own partition batch after batch: every commit races the other's.
   * When Iceberg retried a commit on top of the other's, the offsets map merged before the first
   * try went in as it was and set the other partition's offset back.
   */
  @Test
  void twoWritersOfDifferentPartitionsNeverSetEachOthersOffsetsBack() throws Exception {
    writer(); // creates the table
    int batches = 25;
    int rowsPerBatch = 3;
    List<Future<?>> writers = new ArrayList<>();
    ExecutorService threads = Executors.newFixedThreadPool(2);
    for (int partition = 0; partition < 2; partition++) {
      int p = partition;
      KafkaFedTable table = writer();
      writers.add(threads.submit(() -> {
        for (int b = 0; b < batches; b++) {
          append(table, p, (long) b * rowsPerBatch, (long) (b + 1) * rowsPerBatch);
        }
        return null;
      }));
    }
    for (Future<?> w : writers) {
      w.get();
    }
    threads.shutdown();
    KafkaFedTable reader = writer();
    assertThat(reader.committedOffsets()).isEqualTo(Map.of(0, (long) batches * rowsPerBatch, 1, (long) batches * rowsPerBatch));
    assertThat(rows(reader.table())).hasSize(2 * batches * rowsPerBatch);
  }

  /** A zombie (or a second instance) holding the same partition: its batch from the same offsets must not go in again. */
  @Test
  void aBatchFromOffsetsAnotherWriterAlreadyCommittedIsRefused() throws Exception {
    KafkaFedTable owner = writer();
    KafkaFedTable zombie = writer();
    append(owner, 0, 0, 10);
    assertThatThrownBy(() -> append(zombie, 0, 0, 10)).isInstanceOfSatisfying(KafkaFedTable.OffsetsMoved.class,
        e -> assertThat(e.committed()).isEqualTo(Map.of(0, 10L)));
    append(owner, 0, 10, 12);
    assertThatThrownBy(() -> append(zombie, 0, 5, 12)).isInstanceOf(KafkaFedTable.OffsetsMoved.class);
    assertThat(rows(owner.table())).hasSize(12);
    assertThat(owner.committedOffsets()).isEqualTo(Map.of(0, 12L));
  }

  /** Forgetting a user removes its rows, keeps everyone else's and the offsets, and lets its later rows in. */
  @Test
  void forgettingAUserRemovesItsRowsOnlyThoseCommittedBeforeAndKeepsTheOffsets() throws Exception {
    KafkaFedTable table = writer();
    append(table, 0, 0, 5); // users u0..u4
    KafkaFedTable other = writer();
    other.forget("user_id", "u3");
    assertThat(rows(table.table())).extracting(r -> r.getField("user_id")).containsExactlyInAnyOrder("u0", "u1", "u2", "u4");
    assertThat(table.committedOffsets()).isEqualTo(Map.of(0, 5L));

    GenericRecord again = GenericRecord.create(SCHEMA);
    again.setField("user_id", "u3");
    again.setField("kafka_partition", 0);
    again.setField("kafka_offset", 5L);
    table.append(List.of(again), Map.of(0, 5L), Map.of(0, 6L));
    assertThat(rows(table.table())).extracting(r -> r.getField("user_id")).containsExactlyInAnyOrder("u0", "u1", "u2", "u4", "u3");
    assertThat(table.committedOffsets()).isEqualTo(Map.of(0, 6L));
  }

  /**
   * Maintenance by another tool commits snapshots without offsets (a compaction) and expires old
   * ones: when no snapshot left records the offsets, resuming from the start would append every
   * record again. The table must refuse, not read as new.
   */
  @Test
  void offsetsLostToAnExpiryAreRefusedNotReadAsANewTable() throws Exception {
    KafkaFedTable table = writer();
    append(table, 0, 0, 5);
    Table iceberg = table.table();
    // What a compaction commits: the same rows in a new file, no offsets in its summary.
    iceberg.newAppend().appendFile(org.apache.iceberg.DataFiles.builder(iceberg.spec()).withPath(dir.resolve("compacted.parquet").toString())
        .withFileSizeInBytes(1).withRecordCount(5).build()).commit();
    assertThat(table.committedOffsets()).as("found in the parent").isEqualTo(Map.of(0, 5L));
    iceberg.expireSnapshots().expireOlderThan(System.currentTimeMillis() + 1).retainLast(1).cleanExpiredFiles(false).commit();

    assertThatThrownBy(table::committedOffsets).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no snapshot left records the Kafka offsets").hasMessageContaining("retain-last");
  }

  /** Rows of {@code partition} at offsets [from, to) (user ids "u<offset>"), committed with the offset after them. */
  private static void append(KafkaFedTable table, int partition, long from, long to) {
    List<Record> rows = new ArrayList<>();
    GenericRecord template = GenericRecord.create(SCHEMA);
    for (long o = from; o < to; o++) {
      GenericRecord r = template.copy();
      r.setField("user_id", "u" + o);
      r.setField("kafka_partition", partition);
      r.setField("kafka_offset", o);
      rows.add(r);
    }
    table.append(rows, from == 0 ? Map.of() : Map.of(partition, from), Map.of(partition, to));
  }

  private static List<Record> rows(Table table) throws Exception {
    table.refresh();
    List<Record> all = new ArrayList<>();
    try (CloseableIterable<Record> it = IcebergGenerics.read(table).build()) {
      it.forEach(r -> all.add(r.copy()));
    }
    return all;
  }
}
