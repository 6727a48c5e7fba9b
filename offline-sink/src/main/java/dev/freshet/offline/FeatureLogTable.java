package dev.freshet.offline;

import dev.freshet.common.FeatureVector;
import dev.freshet.common.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericFileWriterFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.iceberg.types.Types;

/**
 * The Iceberg feature log: every published vector with its provenance, appended in batches. Each
 * append records the next Kafka offsets in its snapshot summary, in the same atomic commit, so
 * the log is the source of truth for where to resume: no vector is lost or appended twice.
 */
public final class FeatureLogTable implements AutoCloseable {
  static final String OFFSETS_PROPERTY = "freshet.kafka-offsets";
  public static final Schema SCHEMA = new Schema(
      Types.NestedField.required(1, "user_id", Types.StringType.get()),
      Types.NestedField.required(2, "features", Types.StringType.get(), "JSON object: feature name to value"),
      Types.NestedField.optional(3, "event_time", Types.TimestampType.withZone()),
      Types.NestedField.required(4, "source_lsn", Types.LongType.get()),
      Types.NestedField.required(5, "version", Types.LongType.get()),
      Types.NestedField.required(6, "computed_at", Types.TimestampType.withZone()),
      Types.NestedField.required(7, "kafka_partition", Types.IntegerType.get()),
      Types.NestedField.required(8, "kafka_offset", Types.LongType.get()),
      Types.NestedField.optional(9, "definition_version", Types.IntegerType.get(), "version of the feature definitions"));

  private final JdbcCatalog catalog;
  private final Table table;
  private final GenericFileWriterFactory writers;
  private final OutputFileFactory files;

  public FeatureLogTable(OfflineSinkConfig config) {
    try {
      Files.createDirectories(config.warehouse());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create warehouse " + config.warehouse(), e);
    }
    catalog = new JdbcCatalog();
    catalog.setConf(new Configuration());
    catalog.initialize("freshet", Map.of(
        CatalogProperties.URI, config.catalogUri(),
        CatalogProperties.WAREHOUSE_LOCATION, config.warehouse().toUri().toString(),
        "jdbc.schema-version", "V1"));
    Namespace ns = Namespace.of(config.namespace());
    if (!catalog.namespaceExists(ns)) {
      catalog.createNamespace(ns);
    }
    TableIdentifier id = TableIdentifier.of(ns, config.table());
    table = catalog.tableExists(id)
        ? evolved(catalog.loadTable(id))
        : catalog.createTable(id, SCHEMA, PartitionSpec.unpartitioned(), Map.of("write.parquet.compression-codec", "zstd"));
    writers = new GenericFileWriterFactory.Builder(table).dataFileFormat(FileFormat.PARQUET).build();
    files = OutputFileFactory.builderFor(table, 0, System.currentTimeMillis()).format(FileFormat.PARQUET).build();
  }

  /** Adds the columns a table written by an older Freshet lacks (Iceberg keeps old files readable). */
  private static Table evolved(Table table) {
    if (table.schema().findField("definition_version") == null) {
      table.updateSchema().addColumn("definition_version", Types.IntegerType.get(), "version of the feature definitions").commit();
    }
    return table;
  }

  public Table table() {
    return table;
  }

  /** Next offset to read per partition, as committed with the latest append; empty for a new table. */
  public Map<Integer, Long> committedOffsets() {
    table.refresh();
    Snapshot current = table.currentSnapshot();
    Map<Integer, Long> offsets = new HashMap<>();
    if (current == null || current.summary().get(OFFSETS_PROPERTY) == null) {
      return offsets;
    }
    Map<?, ?> stored = Json.read(current.summary().get(OFFSETS_PROPERTY), Map.class);
    stored.forEach((p, o) -> offsets.put(Integer.parseInt(p.toString()), ((Number) o).longValue()));
    return offsets;
  }

  /** Writes one Parquet file with {@code rows} and commits it with the offsets that follow them. */
  public void append(List<Row> rows, Map<Integer, Long> nextOffsets) {
    DataWriter<Record> writer = writers.newDataWriter(files.newOutputFile(), PartitionSpec.unpartitioned(), null);
    try (writer) {
      GenericRecord template = GenericRecord.create(table.schema());
      for (Row row : rows) {
        FeatureVector v = row.vector();
        GenericRecord r = template.copy();
        r.setField("user_id", v.userId());
        r.setField("features", Json.write(v.features()));
        r.setField("event_time", utc(v.eventTime()));
        r.setField("source_lsn", v.sourceLsn());
        r.setField("version", v.version());
        r.setField("computed_at", utc(v.computedAt()));
        r.setField("definition_version", v.definitionVersion());
        r.setField("kafka_partition", row.partition());
        r.setField("kafka_offset", row.offset());
        writer.write(r);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write feature log data file", e);
    }
    DataFile file = writer.toDataFile();
    Map<Integer, Long> merged = committedOffsets();
    merged.putAll(nextOffsets);
    table.newAppend().appendFile(file).set(OFFSETS_PROPERTY, Json.write(merged)).commit();
  }

  private static OffsetDateTime utc(Instant t) {
    return t == null ? null : t.atOffset(ZoneOffset.UTC);
  }

  @Override
  public void close() throws IOException {
    catalog.close();
  }

  /** A vector with the Kafka position it was read from. */
  public record Row(FeatureVector vector, int partition, long offset) {}
}
