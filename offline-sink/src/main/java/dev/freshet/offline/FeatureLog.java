package dev.freshet.offline;

import dev.freshet.common.FeatureVector;
import dev.freshet.common.Json;
import dev.freshet.common.freshness.Watermark;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** The feature log: every published vector with its provenance and Kafka position. */
final class FeatureLog {
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

  /** Adds the columns a table written by an older Freshet lacks (Iceberg keeps old files readable). */
  static Table evolve(Table table) {
    if (table.schema().findField("definition_version") == null) {
      table.updateSchema().addColumn("definition_version", Types.IntegerType.get(), "version of the feature definitions").commit();
    }
    return table;
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
    row.setField("event_time", KafkaFedTable.utc(v.eventTime()));
    row.setField("source_lsn", v.sourceLsn());
    row.setField("version", v.version());
    row.setField("computed_at", KafkaFedTable.utc(v.computedAt()));
    row.setField("definition_version", v.definitionVersion());
    return row;
  }
}
