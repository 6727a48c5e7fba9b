package dev.freshet.offline;

import dev.freshet.common.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.function.UnaryOperator;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericFileWriterFactory;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFileFactory;

/**
 * An Iceberg table fed from one Kafka topic, appended in batches. Each append records the next
 * Kafka offsets in its snapshot summary, in the same atomic commit, so the table is the source of
 * truth for where to resume: no record is lost or appended twice.
 */
public final class KafkaFedTable {
  static final String OFFSETS_PROPERTY = "freshet.kafka-offsets";

  private final Table table;
  private final GenericFileWriterFactory writers;
  private final OutputFileFactory files;
  private final ExecutorService commitPool;

  /**
   * Loads the table ({@code evolve} adds what an older version lacks) or creates it with {@code schema}.
   * Commits run their manifest work on {@code commitPool}, not on Iceberg's shared worker pool,
   * which Iceberg's own shutdown hook stops: the last commit of an orderly stop must still succeed.
   */
  KafkaFedTable(Catalog catalog, TableIdentifier id, Schema schema, UnaryOperator<Table> evolve, ExecutorService commitPool) {
    this.commitPool = commitPool;
    table = catalog.tableExists(id)
        ? evolve.apply(catalog.loadTable(id))
        : catalog.createTable(id, schema, PartitionSpec.unpartitioned(), Map.of("write.parquet.compression-codec", "zstd"));
    writers = new GenericFileWriterFactory.Builder(table).dataFileFormat(FileFormat.PARQUET).build();
    files = OutputFileFactory.builderFor(table, 0, System.currentTimeMillis()).format(FileFormat.PARQUET).build();
  }

  public Table table() {
    return table;
  }

  /** Next offset to read per partition, as committed with the latest append; empty for a new table. */
  public Map<Integer, Long> committedOffsets() {
    table.refresh();
    return offsets(table.currentSnapshot());
  }

  /** The next offset per partition that {@code snapshot} committed with its rows; empty for none or for a snapshot without them. */
  public static Map<Integer, Long> offsets(Snapshot snapshot) {
    Map<Integer, Long> offsets = new HashMap<>();
    if (snapshot == null || snapshot.summary().get(OFFSETS_PROPERTY) == null) {
      return offsets;
    }
    Map<?, ?> stored = Json.read(snapshot.summary().get(OFFSETS_PROPERTY), Map.class);
    stored.forEach((p, o) -> offsets.put(Integer.parseInt(p.toString()), ((Number) o).longValue()));
    return offsets;
  }

  /** Writes one Parquet file with {@code rows} and commits it with the offsets that follow them. */
  public void append(List<Record> rows, Map<Integer, Long> nextOffsets) {
    DataWriter<Record> writer = writers.newDataWriter(files.newOutputFile(), PartitionSpec.unpartitioned(), null);
    try (writer) {
      rows.forEach(writer::write);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write a data file of " + table.name(), e);
    }
    DataFile file = writer.toDataFile();
    Map<Integer, Long> merged = committedOffsets();
    merged.putAll(nextOffsets);
    table.newAppend().scanManifestsWith(commitPool).appendFile(file).set(OFFSETS_PROPERTY, Json.write(merged)).commit();
  }

  static OffsetDateTime utc(Instant t) {
    return t == null ? null : t.atOffset(ZoneOffset.UTC);
  }
}
