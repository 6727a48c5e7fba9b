package dev.freshet.offline;

import dev.freshet.common.FeatureVector;
import dev.freshet.common.Json;
import dev.freshet.common.definitions.FeatureDefinitions;
import dev.freshet.common.freshness.Watermark;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.UpdateSchema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The feature log: every published vector with its provenance and Kafka position. Each declared
 * feature has a typed field in the struct {@code feature_values} ({@link FeatureColumns}), added
 * as the definitions gain features (files written before stay readable: the field reads null
 * there); {@code features} keeps the vector as published (JSON), so a feature the sink's
 * definitions do not know yet, or a value that does not fit its type, is not lost.
 */
final class FeatureLog {
  private static final Logger LOG = LoggerFactory.getLogger(FeatureLog.class);
  static final Schema SCHEMA = new Schema(
      Types.NestedField.required(1, "user_id", Types.StringType.get()),
      Types.NestedField.required(2, "features", Types.StringType.get(), "JSON object: feature name to value"),
      Types.NestedField.optional(3, "event_time", Types.TimestampType.withZone()),
      Types.NestedField.required(4, "source_lsn", Types.LongType.get()),
      Types.NestedField.required(5, "version", Types.LongType.get()),
      Types.NestedField.required(6, "computed_at", Types.TimestampType.withZone()),
      Types.NestedField.required(7, "kafka_partition", Types.IntegerType.get()),
      Types.NestedField.required(8, "kafka_offset", Types.LongType.get()),
      Types.NestedField.optional(9, "definition_version", Types.IntegerType.get(), "version of the feature definitions"));

  private FeatureLog() {}

  /**
   * Adds what a table written by an older Freshet lacks (Iceberg keeps old files readable) and a
   * typed field for each feature of {@code definitions} it has none for. A feature whose type
   * changed is refused: the values already logged under its name would change meaning.
   */
  static UnaryOperator<Table> evolve(FeatureDefinitions definitions) {
    return table -> {
      if (table.schema().findField("definition_version") == null) {
        table.updateSchema().addColumn("definition_version", Types.IntegerType.get(), "version of the feature definitions").commit();
      }
      if (table.spec().isUnpartitioned()) {
        // By day of computation (a training set reads a time range), sorted by user and time
        // within each file; files written before stay as they were.
        table.updateSpec().addField(Expressions.day("computed_at")).commit();
        table.replaceSortOrder().asc("user_id").asc("computed_at").commit();
      }
      Map<String, Type> wanted = FeatureColumns.of(definitions);
      Types.NestedField struct = table.schema().findField(FeatureColumns.STRUCT);
      if (struct == null) {
        List<Types.NestedField> fields = new ArrayList<>();
        wanted.forEach((name, type) -> fields.add(Types.NestedField.optional(fields.size() + 1, name, type)));
        table.updateSchema().addColumn(FeatureColumns.STRUCT, Types.StructType.of(fields), "one typed field per declared feature").commit();
        return table;
      }
      UpdateSchema update = table.updateSchema();
      List<String> added = new ArrayList<>();
      wanted.forEach((name, type) -> {
        Types.NestedField have = struct.type().asStructType().field(name);
        if (have == null) {
          update.addColumn(FeatureColumns.STRUCT, name, type);
          added.add(name);
        } else if (!sameType(have.type(), type)) {
          throw new IllegalStateException("feature " + name + " is logged as " + have.type() + " in " + table.name()
              + " but its definition now makes it " + type + ": give the changed feature a new name");
        }
      });
      if (!added.isEmpty()) {
        update.commit();
        LOG.info("{}: typed fields added for features {}", table.name(), added);
      }
      return table;
    };
  }

  /** Types equal but for the ids of list elements, which the table assigned. */
  private static boolean sameType(Type a, Type b) {
    if (a.isListType() && b.isListType()) {
      return sameType(a.asListType().elementType(), b.asListType().elementType());
    }
    return a.equals(b);
  }

  /** The row for a vector; null for freshness markers, which are for the online store. */
  static Record row(ConsumerRecord<String, String> r, GenericRecord template) {
    if (Watermark.isMarker(r.headers())) {
      return null;
    }
    FeatureVector v = Json.read(r.value(), FeatureVector.class);
    GenericRecord row = template.copy();
    row.setField("user_id", v.userId());
    row.setField("features", Json.write(v.features()));
    row.setField(FeatureColumns.STRUCT, typed(v, template.struct().field(FeatureColumns.STRUCT).type().asStructType()));
    row.setField("event_time", KafkaFedTable.utc(v.eventTime()));
    row.setField("source_lsn", v.sourceLsn());
    row.setField("version", v.version());
    row.setField("computed_at", KafkaFedTable.utc(v.computedAt()));
    row.setField("definition_version", v.definitionVersion());
    return row;
  }

  private static Record typed(FeatureVector v, Types.StructType struct) {
    GenericRecord values = GenericRecord.create(struct);
    for (Types.NestedField f : struct.fields()) {
      Object value = v.features().get(f.name());
      try {
        values.setField(f.name(), FeatureColumns.convert(value, f.type()));
      } catch (IllegalArgumentException e) {
        // Kept in the features column as published; the typed field stays empty.
        LOG.warn("user {} version {}: feature {} not typed: {}", v.userId(), v.version(), f.name(), e.getMessage());
      }
    }
    return values;
  }
}
