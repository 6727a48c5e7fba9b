package dev.freshet.common.definitions;

import com.fasterxml.jackson.databind.JsonNode;
import dev.freshet.common.IsoInstant;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Comparator;

/**
 * The type of a source column as declared in the definition file. A change event's value is
 * checked against it and parsed into its Java type ({@link #typed}). Wrong types are errors the
 * caller turns into dead letters.
 */
public enum ColumnType {
  STRING, LONG, DECIMAL, TIMESTAMP, BOOLEAN;

  public static ColumnType named(String name) {
    for (ColumnType t : values()) {
      if (t.yamlName().equals(name)) {
        return t;
      }
    }
    return null;
  }

  public String yamlName() {
    return name().toLowerCase();
  }

  public boolean isNumeric() {
    return this == LONG || this == DECIMAL;
  }

  /**
   * The typed value of a Debezium JSON value (schemas off, decimals as strings, timestamps as
   * ISO-8601): String, Long, BigDecimal, Instant or Boolean, or null for a JSON null. Parsed once,
   * at the edge. Throws {@link IllegalArgumentException} naming the problem.
   */
  public Object typed(JsonNode node) {
    if (node == null || node.isMissingNode() || node.isNull()) {
      return null;
    }
    return switch (this) {
      case STRING -> {
        if (!node.isTextual()) {
          throw new IllegalArgumentException("expected a string, got " + node);
        }
        yield node.asText();
      }
      case LONG -> {
        if (!node.canConvertToExactIntegral() && !(node.isTextual() && node.asText().matches("-?\\d{1,18}"))) {
          throw new IllegalArgumentException("expected an integer, got " + node);
        }
        yield node.isTextual() ? Long.parseLong(node.asText()) : node.asLong();
      }
      case DECIMAL -> {
        try {
          BigDecimal d = new BigDecimal(node.asText());
          yield d.scale() < 0 ? d.setScale(0) : d; // 1E+3 is 1000, as PostgreSQL's numeric would print it
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("expected a decimal, got " + node);
        }
      }
      case TIMESTAMP -> {
        if (!node.isTextual()) {
          throw new IllegalArgumentException("expected an ISO-8601 timestamp, got " + node);
        }
        yield parseInstant(node.asText());
      }
      case BOOLEAN -> {
        if (!node.isBoolean()) {
          throw new IllegalArgumentException("expected true or false, got " + node);
        }
        yield node.asBoolean();
      }
    };
  }

  /** How a feature value of this type is published: timestamps as ISO-8601 text, the rest as is. */
  public Object published(Object value) {
    return value instanceof Instant i ? IsoInstant.format(i) : value;
  }

  /** Orders typed values of this column (numbers numerically, timestamps in time, strings by code point). */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public Comparator<Object> order() {
    return (a, b) -> ((Comparable) a).compareTo(b);
  }

  static Instant parseInstant(String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      try {
        return OffsetDateTime.parse(text).toInstant();
      } catch (DateTimeParseException e2) {
        throw new IllegalArgumentException("expected an ISO-8601 timestamp, got '" + text + "'");
      }
    }
  }
}
