package dev.freshet.offline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.freshet.common.Json;
import dev.freshet.common.freshness.Watermark;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.types.Types;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A source table's change history: every change event ingest-cdc wrote to the source's topic, one
 * row each, so features can be recomputed as of any time without touching PostgreSQL (a training
 * set's exact mode). The event is kept as Debezium wrote it ({@code event}, {@code event_key}): a
 * recomputation reads it with the stream's own parser and today's definitions, also columns no
 * definition declared when it was written. Analysts get it unpacked: op, key, LSN, commit time,
 * and the old and new row as column to value (the value's text as the event carries it).
 * Partitioned by day of commit time, sorted by LSN.
 */
final class ChangeHistory {
  static final Schema SCHEMA = new Schema(
      Types.NestedField.required(1, "op", Types.StringType.get(), "c insert, u update, d delete, r snapshot read"),
      Types.NestedField.optional(2, "pk", Types.StringType.get(), "the row's primary key value"),
      Types.NestedField.required(3, "lsn", Types.LongType.get(), "PostgreSQL log position of the change"),
      Types.NestedField.optional(4, "commit_time", Types.TimestampType.withZone(), "commit time of its transaction"),
      Types.NestedField.optional(5, "before", mapOfText(100), "the old row (all columns only under REPLICA IDENTITY FULL)"),
      Types.NestedField.optional(6, "after", mapOfText(102), "the new row; null for a delete"),
      Types.NestedField.optional(7, "event_key", Types.StringType.get(), "the Kafka key as ingest-cdc wrote it"),
      Types.NestedField.required(8, "event", Types.StringType.get(), "the Debezium change event as ingest-cdc wrote it (JSON)"),
      Types.NestedField.required(9, "kafka_partition", Types.IntegerType.get()),
      Types.NestedField.required(10, "kafka_offset", Types.LongType.get()));

  private ChangeHistory() {}

  private static Types.MapType mapOfText(int firstId) {
    return Types.MapType.ofOptional(firstId, firstId + 1, Types.StringType.get(), Types.StringType.get());
  }

  /** Partitions a new table by day of commit time and sorts it by LSN; an existing one stays as it is. */
  static UnaryOperator<Table> layout() {
    return table -> {
      if (table.spec().isUnpartitioned()) {
        table.updateSpec().addField(Expressions.day("commit_time")).commit();
        table.replaceSortOrder().asc("lsn").commit();
      }
      return table;
    };
  }

  /** The row for a change event; null for freshness markers, which are for the feature stream. */
  static Record row(ConsumerRecord<String, String> r, GenericRecord template) {
    if (Watermark.isMarker(r.headers())) {
      return null;
    }
    JsonNode event = Json.read(r.value(), JsonNode.class);
    JsonNode source = event.path("source");
    if (!event.path("op").isTextual() || !source.path("lsn").canConvertToLong()) {
      throw new IllegalArgumentException("not a change event: op or source.lsn missing");
    }
    GenericRecord row = template.copy();
    row.setField("op", event.path("op").asText());
    row.setField("lsn", source.path("lsn").asLong());
    row.setField("commit_time", source.path("ts_ms").canConvertToLong()
        ? KafkaFedTable.utc(Instant.ofEpochMilli(source.path("ts_ms").asLong())) : null);
    row.setField("before", columns(event.path("before")));
    row.setField("after", columns(event.path("after")));
    row.setField("pk", primaryKey(r.key()));
    row.setField("event_key", r.key());
    row.setField("event", r.value());
    return row;
  }

  /** A row image as column to value text (JSON text for anything but a string); null if absent. */
  private static Map<String, String> columns(JsonNode image) {
    if (!image.isObject()) {
      return null;
    }
    Map<String, String> columns = new LinkedHashMap<>();
    image.fields().forEachRemaining(e -> columns.put(e.getKey(),
        e.getValue().isNull() ? null : e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString()));
    return columns;
  }

  /** The key's value: Debezium keys a row's events by its primary key, one field for the tables Freshet reads. */
  private static String primaryKey(String key) {
    if (key == null) {
      return null;
    }
    JsonNode fields = Json.read(key, JsonNode.class);
    if (fields.size() != 1) {
      return fields.toString();
    }
    JsonNode value = fields.elements().next();
    return value.isTextual() ? value.asText() : value.toString();
  }
}
