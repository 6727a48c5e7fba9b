package dev.freshet.offline;

import dev.freshet.common.GenerationRecord;
import dev.freshet.common.Json;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The generation log: every answer serving gave, with the model that wrote it and the provenance
 * of the features in its prompt, so teams evaluate and retrain on what was actually served.
 */
final class GenerationLog {
  private static final String API_KEY_ID = "api_key_id";
  private static final String TRACE_ID = "trace_id";
  static final Schema SCHEMA = new Schema(
      Types.NestedField.required(1, "request_id", Types.StringType.get()),
      Types.NestedField.required(2, "user_id", Types.StringType.get()),
      Types.NestedField.required(3, "served_at", Types.TimestampType.withZone()),
      Types.NestedField.required(4, "model", Types.StringType.get()),
      Types.NestedField.required(5, "model_version", Types.StringType.get()),
      Types.NestedField.required(6, "personalized", Types.BooleanType.get()),
      Types.NestedField.optional(7, "features_used", Types.StringType.get(), "JSON object: feature name to the value the prompt used"),
      Types.NestedField.optional(8, "features_not_understood", Types.StringType.get(), "JSON object: features the model does not know"),
      Types.NestedField.optional(9, "features_source_lsn", Types.LongType.get(), "highest source LSN the features reflect"),
      Types.NestedField.optional(10, "features_event_time", Types.TimestampType.withZone()),
      Types.NestedField.optional(11, "features_version", Types.LongType.get()),
      Types.NestedField.required(12, "prompt", Types.StringType.get()),
      Types.NestedField.required(13, "output", Types.StringType.get()),
      Types.NestedField.required(14, "tokens", Types.IntegerType.get()),
      Types.NestedField.optional(15, "stop", Types.StringType.get()),
      Types.NestedField.optional(16, "temperature", Types.DoubleType.get()),
      Types.NestedField.optional(17, "top_k", Types.IntegerType.get()),
      Types.NestedField.optional(18, "seed", Types.LongType.get()),
      Types.NestedField.optional(19, "latency_ms", Types.DoubleType.get()),
      Types.NestedField.required(20, "kafka_partition", Types.IntegerType.get()),
      Types.NestedField.required(21, "kafka_offset", Types.LongType.get()),
      Types.NestedField.optional(22, API_KEY_ID, Types.StringType.get(), "id of the API key the request came with"),
      Types.NestedField.optional(23, TRACE_ID, Types.StringType.get(), "the request's trace id, when it was traced"));

  private GenerationLog() {}

  /** Adds the key id and trace id to a table written by an earlier Freshet (its old rows read null there). */
  static Table evolve(Table table) {
    if (table.schema().findField(API_KEY_ID) == null) {
      table.updateSchema().addColumn(API_KEY_ID, Types.StringType.get(), "id of the API key the request came with").commit();
    }
    if (table.schema().findField(TRACE_ID) == null) {
      table.updateSchema().addColumn(TRACE_ID, Types.StringType.get(), "the request's trace id, when it was traced").commit();
    }
    return table;
  }

  static Record row(ConsumerRecord<String, String> r, GenericRecord template) {
    GenerationRecord g = Json.read(r.value(), GenerationRecord.class);
    GenericRecord row = template.copy();
    row.setField("request_id", g.requestId());
    row.setField("user_id", g.userId());
    row.setField("served_at", KafkaFedTable.utc(g.servedAt()));
    row.setField("model", g.model());
    row.setField("model_version", g.modelVersion());
    row.setField("personalized", g.personalized());
    row.setField("features_used", g.featuresUsed() == null ? null : Json.write(g.featuresUsed()));
    row.setField("features_not_understood", g.featuresNotUnderstood() == null ? null : Json.write(g.featuresNotUnderstood()));
    row.setField("features_source_lsn", g.featuresSourceLsn());
    row.setField("features_event_time", KafkaFedTable.utc(g.featuresEventTime()));
    row.setField("features_version", g.featuresVersion());
    row.setField("prompt", g.prompt());
    row.setField("output", g.output());
    row.setField("tokens", g.tokens());
    row.setField("stop", g.stop());
    row.setField("temperature", g.temperature());
    row.setField("top_k", g.topK());
    row.setField("seed", g.seed());
    row.setField("latency_ms", g.latencyMs());
    row.setField(API_KEY_ID, g.apiKeyId());
    row.setField(TRACE_ID, g.traceId());
    return row;
  }
}
