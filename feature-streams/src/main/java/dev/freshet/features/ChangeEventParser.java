package dev.freshet.features;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.freshet.common.Json;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Reads a Debezium change event of the {@code events} table (JSON converter, schemas off).
 * Every way an event can be unusable becomes a {@link MalformedChangeException} with a reason an
 * operator can act on.
 */
final class ChangeEventParser {
  private ChangeEventParser() {}

  static RowChange parse(String key, String value) {
    JsonNode root = readTree(value, "value");
    String op = text(root, "op");
    JsonNode source = root.path("source");
    if (!source.path("lsn").canConvertToLong()) {
      throw new MalformedChangeException("source.lsn missing or not a number");
    }
    long lsn = source.path("lsn").asLong();
    Instant commitTime = source.path("ts_ms").canConvertToLong() ? Instant.ofEpochMilli(source.path("ts_ms").asLong()) : null;
    switch (op) {
      case "c", "r", "u" -> {
        EventRow row = row(root.path("after"));
        return new RowChange(row.id(), row, lsn, commitTime);
      }
      case "d" -> {
        long id = eventId(key, root.path("before"));
        return new RowChange(id, null, lsn, commitTime);
      }
      default -> throw new MalformedChangeException("unknown op '" + op + "'");
    }
  }

  private static long eventId(String key, JsonNode before) {
    if (before.path("id").canConvertToLong()) {
      return before.path("id").asLong();
    }
    if (key != null) {
      JsonNode k = readTree(key, "key");
      if (k.path("id").canConvertToLong()) {
        return k.path("id").asLong();
      }
    }
    throw new MalformedChangeException("delete without an id in before or key");
  }

  private static EventRow row(JsonNode after) {
    if (!after.isObject()) {
      throw new MalformedChangeException("after is missing for an insert/update");
    }
    if (!after.path("id").canConvertToLong()) {
      throw new MalformedChangeException("after.id missing or not an integer");
    }
    if (!after.path("user_id").canConvertToLong()) {
      throw new MalformedChangeException("after.user_id missing or not an integer");
    }
    return new EventRow(
        after.path("id").asLong(),
        Long.toString(after.path("user_id").asLong()),
        text(after, "kind"),
        nullableText(after, "item"),
        nullableText(after, "category"),
        nullableText(after, "author"),
        amount(after.path("amount")),
        instant(after, "occurred_at"));
  }

  private static BigDecimal amount(JsonNode node) {
    if (node.isMissingNode() || node.isNull()) {
      return null;
    }
    try {
      return new BigDecimal(node.asText());
    } catch (NumberFormatException e) {
      throw new MalformedChangeException("after.amount is not a decimal: '" + node.asText() + "'");
    }
  }

  private static Instant instant(JsonNode parent, String field) {
    String s = text(parent, field);
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw new MalformedChangeException(field + " is not an ISO-8601 instant: '" + s + "'");
    }
  }

  private static String text(JsonNode parent, String field) {
    JsonNode n = parent.path(field);
    if (!n.isTextual()) {
      throw new MalformedChangeException(field + " missing or not a string");
    }
    return n.asText();
  }

  private static String nullableText(JsonNode parent, String field) {
    JsonNode n = parent.path(field);
    return n.isTextual() ? n.asText() : null;
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
