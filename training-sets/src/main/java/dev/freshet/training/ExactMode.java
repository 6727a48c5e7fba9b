package dev.freshet.training;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;

import dev.freshet.common.OfflineTables;
import dev.freshet.common.definitions.ColumnType;
import dev.freshet.common.definitions.FeatureDefinition;
import dev.freshet.common.definitions.FeatureDefinitions;
import dev.freshet.common.definitions.SourceDefinition;
import dev.freshet.features.FeatureReplay;
import dev.freshet.features.MalformedChangeException;
import dev.freshet.features.RowDelta;
import java.io.Serializable;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.CoGroupFunction;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import scala.collection.JavaConverters;

/**
 * The {@code exact} training set: each label's features recomputed as of {@code label_time} from
 * the sources' change histories ({@code changes_<source>}, written by offline-sink) by the
 * stream's own engine ({@link FeatureReplay}), with the definitions given — so a feature added to
 * the definitions today has its whole history. "As of" a time: every change committed by then,
 * each applied at its commit time, and the windows evaluated at that time (to the millisecond, as
 * the stream's clock).
 *
 * <p>Two shuffles, as the stream's two steps: the change events by source partition in offset
 * order (each routed to its entities with the row last seen under its key), then the deltas by
 * entity, cogrouped with that user's labels and applied in commit order up to each label.
 */
public final class ExactMode {
  private ExactMode() {}

  /** A delta with the time its change was committed, which orders an entity's deltas. */
  public record TimedDelta(long atMs, RowDelta delta) implements Serializable {}

  /**
   * @param labels {@code user_id} (string), {@code label_time} (timestamp) and any label columns
   * @param changes each source's change history table, by source name
   * @param definitionsYaml the feature definitions' text (sent to the executors, parsed there)
   * @param features the features to export, of the definitions
   * @param dropped counts change events that changed no entity: malformed or refused as late (the stream
   *     dead-letters them), or the delete of a row never seen
   * @return the label columns, then the features
   */
  public static Dataset<Row> join(Dataset<Row> labels, Map<String, Dataset<Row>> changes, String definitionsYaml, List<String> features,
      LongAccumulator dropped) {
    FeatureDefinitions definitions = FeatureDefinitions.parse(definitionsYaml, "definitions");
    // Changes are read up to the newest label time: later ones cannot matter.
    Row newest = labels.agg(max("label_time")).first();
    Timestamp until = newest.isNullAt(0) ? new Timestamp(0) : newest.getTimestamp(0);
    Dataset<Row> events = null;
    for (SourceDefinition source : definitions.sources()) {
      Dataset<Row> table = changes.get(source.name());
      if (table == null) {
        throw new IllegalArgumentException("no change history for source " + source.name());
      }
      Dataset<Row> sourceEvents = table.where(col("commit_time").leq(lit(until)))
          .select(lit(source.name()).as("source"), col("kafka_partition"), col("kafka_offset"), col("event_key"), col("event"),
              col("commit_time"));
      events = events == null ? sourceEvents : events.unionByName(sourceEvents);
    }
    Dataset<TimedDelta> deltas = events
        .repartition(col("source"), col("kafka_partition"))
        .sortWithinPartitions("source", "kafka_partition", "kafka_offset")
        .mapPartitions(new RouteChanges(definitionsYaml, dropped), Encoders.javaSerialization(TimedDelta.class));
    StructType out = outputSchema(labels.schema(), definitions, features);
    int userColumn = labels.schema().fieldIndex("user_id");
    return deltas.groupByKey((MapFunction<TimedDelta, String>) d -> d.delta().entity(), Encoders.STRING())
        .cogroup(labels.groupByKey((MapFunction<Row, String>) r -> r.getString(userColumn), Encoders.STRING()),
            new FeaturesAtLabels(definitionsYaml, features, labels.schema().fieldIndex("label_time"), out), Encoders.row(out));
  }

  /** The change history of each source of {@code definitions}, in {@code namespace}, by source name. */
  public static Map<String, Dataset<Row>> changeHistories(SparkSession spark, String namespace, FeatureDefinitions definitions) {
    Map<String, Dataset<Row>> changes = new HashMap<>();
    for (SourceDefinition source : definitions.sources()) {
      changes.put(source.name(), spark.table(SparkCatalog.NAME + "." + namespace + "." + OfflineTables.changeHistory(source)));
    }
    return changes;
  }

  /** The label columns, then each feature in its type: the same types the feature log's typed fields have. */
  static StructType outputSchema(StructType labels, FeatureDefinitions definitions, List<String> features) {
    Map<String, DataType> types = new HashMap<>();
    for (SourceDefinition s : definitions.sources()) {
      for (FeatureDefinition f : s.features()) {
        DataType value = sparkType(s.valueType(f));
        types.put(f.name(), f.aggregation().listValued() ? DataTypes.createArrayType(value, true) : value);
      }
    }
    List<StructField> fields = new ArrayList<>(List.of(labels.fields()));
    for (String f : features) {
      fields.add(DataTypes.createStructField(f, types.get(f), true));
    }
    return DataTypes.createStructType(fields);
  }

  private static DataType sparkType(ColumnType type) {
    return switch (type) {
      case LONG -> DataTypes.LongType;
      case DECIMAL -> DataTypes.createDecimalType(38, 9);
      case STRING -> DataTypes.StringType;
      case TIMESTAMP -> DataTypes.TimestampType;
      case BOOLEAN -> DataTypes.BooleanType;
    };
  }

  /** Step one: one task's source partitions, each in offset order, routed to entities as the stream's row tracker does. */
  private static final class RouteChanges implements MapPartitionsFunction<Row, TimedDelta> {
    private final String definitionsYaml;
    private final LongAccumulator dropped;

    RouteChanges(String definitionsYaml, LongAccumulator dropped) {
      this.definitionsYaml = definitionsYaml;
      this.dropped = dropped;
    }

    @Override
    public Iterator<TimedDelta> call(Iterator<Row> events) {
      FeatureReplay replay = new FeatureReplay(FeatureDefinitions.parse(definitionsYaml, "definitions"));
      Map<String, FeatureReplay.Partition> partitions = new HashMap<>();
      List<TimedDelta> out = new ArrayList<>();
      while (events.hasNext()) {
        Row e = events.next();
        String source = e.getString(0);
        FeatureReplay.Partition partition = partitions.computeIfAbsent(source + "/" + e.getInt(1), p -> replay.partition(source));
        long atMs = e.getTimestamp(5).getTime();
        try {
          List<RowDelta> routed = partition.route(e.getString(3), e.getString(4), atMs);
          if (routed.isEmpty()) {
            dropped.add(1);
          }
          routed.forEach(d -> out.add(new TimedDelta(atMs, d)));
        } catch (MalformedChangeException malformed) {
          dropped.add(1); // the stream dead-lettered it
        }
      }
      return out.iterator();
    }
  }

  /** Step two: one user's deltas in commit order, the features read at each of its labels' times. */
  private static final class FeaturesAtLabels implements CoGroupFunction<String, TimedDelta, Row, Row> {
    private final String definitionsYaml;
    private final List<String> features;
    private final int labelTimeColumn;
    private final StructType out;
    /** Built once per task, not per user: parsing the definitions costs more than most users' deltas. */
    private transient FeatureReplay replay;

    FeaturesAtLabels(String definitionsYaml, List<String> features, int labelTimeColumn, StructType out) {
      this.definitionsYaml = definitionsYaml;
      this.features = features;
      this.labelTimeColumn = labelTimeColumn;
      this.out = out;
    }

    @Override
    public Iterator<Row> call(String user, Iterator<TimedDelta> userDeltas, Iterator<Row> userLabels) {
      if (!userLabels.hasNext()) {
        return List.<Row>of().iterator();
      }
      List<TimedDelta> deltas = new ArrayList<>();
      userDeltas.forEachRemaining(deltas::add);
      deltas.sort(Comparator.comparingLong(TimedDelta::atMs).thenComparingLong(d -> d.delta().lsn()));
      List<Row> labels = new ArrayList<>();
      userLabels.forEachRemaining(labels::add);
      labels.sort(Comparator.comparing(l -> l.getTimestamp(labelTimeColumn)));
      if (replay == null) {
        replay = new FeatureReplay(FeatureDefinitions.parse(definitionsYaml, "definitions"));
      }
      FeatureReplay.Entity entity = replay.entity();
      List<Row> rows = new ArrayList<>();
      int next = 0;
      for (Row label : labels) {
        long atMs = label.getTimestamp(labelTimeColumn).getTime();
        for (; next < deltas.size() && deltas.get(next).atMs() <= atMs; next++) {
          entity.apply(deltas.get(next).delta(), deltas.get(next).atMs());
        }
        Map<String, Object> values = entity.valuesAt(atMs);
        Object[] row = new Object[out.size()];
        for (int i = 0; i < label.size(); i++) {
          row[i] = label.get(i);
        }
        for (int i = 0; i < features.size(); i++) {
          row[label.size() + i] = spark(values.get(features.get(i)), out.fields()[label.size() + i].dataType());
        }
        rows.add(RowFactory.create(row));
      }
      return rows.iterator();
    }

    /** An engine value (a vector's value: numbers, text, timestamps as ISO-8601 text, lists) as Spark's external type for {@code type}. */
    private static Object spark(Object value, DataType type) {
      if (value == null) {
        return null;
      }
      if (type instanceof ArrayType array) {
        return JavaConverters.asScalaBuffer(((List<?>) value).stream().map(v -> spark(v, array.elementType())).toList()).toSeq();
      }
      if (type instanceof DecimalType decimal) {
        return new BigDecimal(value.toString()).setScale(decimal.scale(), RoundingMode.UNNECESSARY);
      }
      if (type.equals(DataTypes.LongType)) {
        return ((Number) value).longValue();
      }
      if (type.equals(DataTypes.TimestampType)) {
        return Timestamp.from(value instanceof Instant t ? t : Instant.parse(value.toString()));
      }
      return value;
    }
  }
}
