package dev.freshet.features;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.freshet.common.Json;
import dev.freshet.common.definitions.ColumnType;
import dev.freshet.common.definitions.SourceDefinition;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a Debezium change event (JSON converter, schemas off) of one declared source table.
 * Every way an event can be unusable (not JSON, unknown op, missing key or entity or event time,
 * a value of the wrong type) becomes a {@link MalformedChangeException} with a reason an operator
 * can act on.
 */
final class ChangeEventParser {
  private final SourceDefinition source;

  ChangeEventParser(SourceDefinition source) {
    this.source = source;
  }

  RowChange parse(String key, String value) {
    JsonNode root = readTree(value, "value");
    String op = root.path("op").isTextual() ? root.path("op").asText() : null;
    if (op == null) {
      throw new MalformedChangeException("op missing or not a string");
    }
    JsonNode sourceInfo = root.path("source");
    if (!sourceInfo.path("lsn").canConvertToLong()) {
      throw new MalformedChangeException("source.lsn missing or not a number");
    }
    long lsn = sourceInfo.path("lsn").asLong();
    Instant commitTime = sourceInfo.path("ts_ms").canConvertToLong() ? Instant.ofEpochMilli(sourceInfo.path("ts_ms").asLong()) : null;
    return switch (op) {
      case "c", "r" -> {
        SourceRow row = row(root.path("after"), "after");
        yield new RowChange(row.pk(), null, row, lsn, commitTime, op.equals("c"));
      }
      case "u" -> {
        SourceRow row = row(root.path("after"), "after");
        yield new RowChange(row.pk(), fullBefore(root.path("before"), "update"), row, lsn, commitTime, false);
      }
      case "d" -> {
        SourceRow before = fullBefore(root.path("before"), "delete");
        yield new RowChange(before != null ? before.pk() : deletedKey(key, root.path("before")), before, null, lsn, commitTime, false);
      }
      default -> throw new MalformedChangeException("unknown op '" + op + "'");
    };
  }

  /** The old row of a source with a full replica identity (null for the others). */
  private SourceRow fullBefore(JsonNode before, String what) {
    if (!source.oldRowsInEvents()) {
      return null;
    }
    try {
      return row(before, "before");
    } catch (MalformedChangeException e) {
      throw new MalformedChangeException("source '" + source.name() + "' is declared replica_identity: full, but this " + what
          + " carries no whole old row (" + e.getMessage() + "); run ALTER TABLE " + source.table() + " REPLICA IDENTITY FULL");
    }
  }

  private String deletedKey(String key, JsonNode before) {
    String pk = source.primaryKey();
    ColumnType type = source.columns().get(pk);
    Object fromBefore = typed(before, pk, type, "before");
    if (fromBefore != null) {
      return text(fromBefore);
    }
    if (key != null) {
      Object fromKey = typed(readTree(key, "key"), pk, type, "key");
      if (fromKey != null) {
        return text(fromKey);
      }
    }
    throw new MalformedChangeException("delete without " + pk + " in before or key");
  }

  private SourceRow row(JsonNode image, String where) {
    if (!image.isObject()) {
      throw new MalformedChangeException(where + " is missing for an insert/update");
    }
    Map<String, Object> values = new LinkedHashMap<>();
    source.columns().forEach((column, type) -> values.put(column, typed(image, column, type, where)));
    for (String required : new String[] {source.primaryKey(), source.entityKey(), source.eventTime()}) {
      if (values.get(required) == null) {
        throw new MalformedChangeException(where + "." + required + " is missing or null");
      }
    }
    return new SourceRow(source.name(), text(values.get(source.primaryKey())), text(values.get(source.entityKey())),
        (Instant) values.get(source.eventTime()), values);
  }

  /** A key column's value as the text keys are made of. */
  private static String text(Object value) {
    return value instanceof java.math.BigDecimal d ? d.toPlainString() : value.toString();
  }

  private static Object typed(JsonNode parent, String column, ColumnType type, String where) {
    try {
      return type.typed(parent.path(column));
    } catch (IllegalArgumentException e) {
      throw new MalformedChangeException(where + "." + column + ": " + e.getMessage());
    }
  }

  private static JsonNode readTree(String json, String what) {
    try {
      JsonNode node = Json.MAPPER.readTree(json);
      if (node == null || !node.isObject()) {
        throw new MalformedChangeException(what + " is not a JSON object");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new MalformedChangeException(what + " is not valid JSON: " + e.getOriginalMessage());
    }
  }
}
