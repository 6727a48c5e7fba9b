package dev.freshet.offline;

import dev.freshet.common.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotAncestryValidator;
import org.apache.iceberg.SnapshotUpdate;
import org.apache.iceberg.SortOrderComparators;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericFileWriterFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.deletes.EqualityDeleteWriter;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFileFactory;

/**
 * An Iceberg table fed from one Kafka topic, appended in batches. Each append records the next
 * Kafka offsets in its snapshot summary, in the same atomic commit, so the table is the source of
 * truth for where to resume: no record is lost or appended twice.
 *
 * <p>Also with more than one writer (two sink instances during a rebalance, a zombie after a
 * failover, a {@link #forget} beside the sink): a commit states the offsets each of its partitions
 * started from, and goes in only if they are still the committed ones ({@link OffsetsMoved}
 * otherwise), with the offsets map merged from the snapshot it commits on top of. Iceberg applies
 * an update again on whatever snapshot is current when it commits (also when it retries after a
 * conflict), which replayed a map merged before another writer's commit and set that writer's
 * offsets back; so each commit carries an ancestry validator that accepts only the snapshot the
 * map was merged from, and this class merges again and retries when another commit came first.
 */
public final class KafkaFedTable {
  static final String OFFSETS_PROPERTY = "freshet.kafka-offsets";
  private static final int MAX_COMMIT_ATTEMPTS = 50;
  private static final long MAX_BACKOFF_MS = 200;

  /** Another writer committed some of a batch's partitions past where the batch started: it was not appended. */
  public static final class OffsetsMoved extends RuntimeException {
    private final Map<Integer, Long> committed;

    OffsetsMoved(String table, Map<Integer, Long> expected, Map<Integer, Long> committed) {
      super(table + ": another writer committed this batch's partitions (expected offsets " + expected + ", committed "
          + committed + "); the batch is dropped and read again from the committed offsets");
      this.committed = committed;
    }

    /** The offsets committed when the batch was refused. */
    public Map<Integer, Long> committed() {
      return committed;
    }
  }

  private final Table table;
  private final GenericFileWriterFactory writers;
  private final OutputFileFactory files;
  private final ExecutorService commitPool;

  /**
   * Loads the table or creates it with {@code schema}; then {@code evolve} adds what an older
   * version or {@code schema} lacks.
   * Commits run their manifest work on {@code commitPool}, not on Iceberg's shared worker pool,
   * which Iceberg's own shutdown hook stops: the last commit of an orderly stop must still succeed.
   */
  KafkaFedTable(Catalog catalog, TableIdentifier id, Schema schema, UnaryOperator<Table> evolve, ExecutorService commitPool) {
    this.commitPool = commitPool;
    table = evolve.apply(catalog.tableExists(id)
        ? catalog.loadTable(id)
        : catalog.createTable(id, schema, PartitionSpec.unpartitioned(), Map.of("write.parquet.compression-codec", "zstd")));
    writers = new GenericFileWriterFactory.Builder(table).dataFileFormat(FileFormat.PARQUET).build();
    files = OutputFileFactory.builderFor(table, 0, System.currentTimeMillis()).format(FileFormat.PARQUET).build();
  }

  public Table table() {
    return table;
  }

  /** Next offset to read per partition, as committed with the latest append; empty for a new table. */
  public Map<Integer, Long> committedOffsets() {
    table.refresh();
    return offsets(table);
  }

  /**
   * The next offset per partition as of {@code table}'s current snapshot: from the newest snapshot
   * in its ancestry that recorded them (one written by another tool, e.g. compaction, records
   * none); empty for a table never appended to. Throws {@link IllegalStateException} when the
   * table has snapshots but none left that recorded them (expired): starting over would append
   * every record again.
   */
  public static Map<Integer, Long> offsets(Table table) {
    Map<Integer, Long> offsets = new HashMap<>();
    for (Snapshot s = table.currentSnapshot(); s != null; s = s.parentId() == null ? null : table.snapshot(s.parentId())) {
      String stored = s.summary().get(OFFSETS_PROPERTY);
      if (stored != null) {
        Json.read(stored, Map.class).forEach((p, o) -> offsets.put(Integer.parseInt(p.toString()), ((Number) o).longValue()));
        return offsets;
      }
    }
    if (table.currentSnapshot() != null) {
      throw new IllegalStateException(table.name() + ": no snapshot left records the Kafka offsets (" + OFFSETS_PROPERTY
          + "): other commits came after the last append and it was expired. Expire with a larger retain-last"
          + " (bin/maintain-tables --retain-last), or commit the offsets to resume from");
    }
    return offsets;
  }

  /**
   * Writes {@code rows} (sorted by the table's sort order, one Parquet file per partition of the
   * table's spec) and commits them with the offsets that follow them, if each partition of
   * {@code nextOffsets} is still committed at {@code startOffsets} (absent there: nothing committed
   * yet); else throws {@link OffsetsMoved} and appends nothing.
   */
  public void append(List<Record> rows, Map<Integer, Long> startOffsets, Map<Integer, Long> nextOffsets) {
    List<DataFile> written = write(rows);
    commit(() -> {
      AppendFiles append = table.newAppend().scanManifestsWith(commitPool);
      written.forEach(append::appendFile);
      return append;
    }, committed -> {
      for (Integer partition : nextOffsets.keySet()) {
        if (!Objects.equals(committed.get(partition), startOffsets.get(partition))) {
          throw new OffsetsMoved(table.name(), startOffsets, committed);
        }
      }
      Map<Integer, Long> merged = new HashMap<>(committed);
      merged.putAll(nextOffsets);
      return merged;
    });
  }

  private List<DataFile> write(List<Record> rows) {
    PartitionSpec spec = table.spec();
    Schema schema = table.schema();
    // Transforms and comparators work on Iceberg's internal values (timestamps as micros).
    InternalRecordWrapper left = new InternalRecordWrapper(schema.asStruct());
    InternalRecordWrapper right = new InternalRecordWrapper(schema.asStruct());
    List<Record> sorted = new ArrayList<>(rows);
    if (table.sortOrder().isSorted()) {
      Comparator<StructLike> order = SortOrderComparators.forSchema(schema, table.sortOrder());
      sorted.sort((a, b) -> order.compare(left.wrap(a), right.wrap(b)));
    }
    Map<PartitionKey, List<Record>> byPartition = new LinkedHashMap<>();
    PartitionKey key = new PartitionKey(spec, schema);
    for (Record row : sorted) {
      key.partition(left.wrap(row));
      byPartition.computeIfAbsent(key.copy(), k -> new ArrayList<>()).add(row);
    }
    List<DataFile> files = new ArrayList<>();
    byPartition.forEach((partition, partitionRows) -> {
      PartitionKey partitionOrNull = spec.isUnpartitioned() ? null : partition;
      DataWriter<Record> writer = writers.newDataWriter(this.files.newOutputFile(spec, partitionOrNull), spec, partitionOrNull);
      try (writer) {
        partitionRows.forEach(writer::write);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write a data file of " + table.name(), e);
      }
      files.add(writer.toDataFile());
    });
    return files;
  }

  /**
   * Removes every row whose {@code column} equals {@code value}, by an equality delete: it applies
   * to the rows committed before it only, so rows appended later (the same user's new vectors)
   * stay. The committed offsets are carried over unchanged.
   */
  public void forget(String column, String value) {
    Schema key = table.schema().select(column);
    GenericFileWriterFactory deletes = new GenericFileWriterFactory.Builder(table).deleteFileFormat(FileFormat.PARQUET)
        .equalityFieldIds(new int[] {table.schema().findField(column).fieldId()}).equalityDeleteRowSchema(key).build();
    // Written under the table's unpartitioned spec (every table starts with it): a global delete, for every partition.
    PartitionSpec global = table.specs().values().stream().filter(PartitionSpec::isUnpartitioned).findFirst()
        .orElseThrow(() -> new IllegalStateException(table.name() + " has no unpartitioned spec for a global delete"));
    EqualityDeleteWriter<Record> writer = deletes.newEqualityDeleteWriter(files.newOutputFile(), global, null);
    try (writer) {
      GenericRecord row = GenericRecord.create(key);
      row.setField(column, value);
      writer.write(row);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write a delete file of " + table.name(), e);
    }
    DeleteFile file = writer.toDeleteFile();
    commit(() -> table.newRowDelta().scanManifestsWith(commitPool).addDeletes(file), committed -> committed);
  }

  /**
   * Commits {@code update} with the offsets {@code offsetsAfter} makes of the committed ones (it may
   * refuse by throwing), on the table as it is at each attempt; retried when another writer
   * committed first.
   */
  private <U extends SnapshotUpdate<U>> void commit(Supplier<U> update, UnaryOperator<Map<Integer, Long>> offsetsAfter) {
    for (int attempt = 1; ; attempt++) {
      table.refresh();
      Snapshot mergedFrom = table.currentSnapshot();
      Map<Integer, Long> offsets = offsetsAfter.apply(offsets(table));
      OnTopOf onTopOf = new OnTopOf(mergedFrom == null ? null : mergedFrom.snapshotId());
      try {
        update.get().set(OFFSETS_PROPERTY, Json.write(offsets)).validateWith(onTopOf).commit();
        return;
      } catch (ValidationException | CommitFailedException e) {
        boolean anotherCommitCameFirst = onTopOf.refused || e instanceof CommitFailedException;
        if (!anotherCommitCameFirst || attempt >= MAX_COMMIT_ATTEMPTS) {
          throw e;
        }
        sleepBeforeRetry(attempt);
      }
    }
  }

  /** Accepts committing only on top of one snapshot (null: on an empty table). */
  private static final class OnTopOf implements SnapshotAncestryValidator {
    private final Long parent;
    private volatile boolean refused;

    OnTopOf(Long parent) {
      this.parent = parent;
    }

    @Override
    public boolean validate(Iterable<Snapshot> ancestry) {
      Iterator<Snapshot> it = ancestry.iterator();
      boolean ok = Objects.equals(it.hasNext() ? it.next().snapshotId() : null, parent);
      refused |= !ok;
      return ok;
    }

    @Override
    public String errorMessage() {
      return "another writer committed after snapshot " + parent + ", which the Kafka offsets were merged from";
    }
  }

  private static void sleepBeforeRetry(int attempt) {
    try {
      Thread.sleep(Math.min(MAX_BACKOFF_MS, (long) attempt * attempt) + ThreadLocalRandom.current().nextLong(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while committing", e);
    }
  }

  static OffsetDateTime utc(Instant t) {
    return t == null ? null : t.atOffset(ZoneOffset.UTC);
  }
}
