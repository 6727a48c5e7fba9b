package dev.freshet.offline;

import dev.freshet.common.definitions.ColumnType;
import dev.freshet.common.definitions.FeatureDefinition;
import dev.freshet.common.definitions.FeatureDefinitions;
import dev.freshet.common.definitions.SourceDefinition;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

/**
 * The Iceberg type of each declared feature's value, for the feature log's typed columns (one
 * field per feature in the struct {@link #STRUCT}), and the conversion of a published value to it.
 *
 * <p>counts: {@code long}; sum, min, max, first, last of a {@code long} column: {@code long}; of a
 * {@code decimal} column, and every avg: {@code decimal(38, 9)}; min, max, first, last of other
 * columns: their type ({@code string}, {@code timestamptz}, {@code boolean}); top_k and last_n: a
 * list of the column's type.
 */
final class FeatureColumns {
  static final String STRUCT = "feature_values";
  static final int DECIMAL_SCALE = 9;
  private static final Type DECIMAL = Types.DecimalType.of(38, DECIMAL_SCALE);

  private FeatureColumns() {}

  /** Every declared feature's name and type, in the definition file's order (field ids are placeholders: the table assigns them). */
  static Map<String, Type> of(FeatureDefinitions definitions) {
    Map<String, Type> types = new LinkedHashMap<>();
    int placeholderId = 1_000_000;
    for (SourceDefinition s : definitions.sources()) {
      for (FeatureDefinition f : s.features()) {
        Type value = scalar(s.valueType(f));
        types.put(f.name(), f.aggregation().listValued() ? Types.ListType.ofOptional(placeholderId++, value) : value);
      }
    }
    return types;
  }

  private static Type scalar(ColumnType column) {
    return switch (column) {
      case LONG -> Types.LongType.get();
      case DECIMAL -> DECIMAL;
      case STRING -> Types.StringType.get();
      case TIMESTAMP -> Types.TimestampType.withZone();
      case BOOLEAN -> Types.BooleanType.get();
    };
  }

  /**
   * {@code value} as published (JSON: a number, string, boolean, list or null) in {@code type}'s
   * Iceberg representation. Throws {@link IllegalArgumentException} when it does not fit (a
   * fraction in a long, more than {@link #DECIMAL_SCALE} decimals).
   */
  static Object convert(Object value, Type type) {
    if (value == null) {
      return null;
    }
    try {
      return switch (type.typeId()) {
        case LONG -> new BigDecimal(value.toString()).longValueExact();
        case DECIMAL -> new BigDecimal(value.toString()).setScale(DECIMAL_SCALE);
        case STRING -> (String) value;
        case BOOLEAN -> (Boolean) value;
        case TIMESTAMP -> Instant.parse((String) value).atOffset(ZoneOffset.UTC);
        case LIST -> {
          List<Object> out = new ArrayList<>();
          for (Object element : (List<?>) value) {
            out.add(convert(element, type.asListType().elementType()));
          }
          yield out;
        }
        default -> throw new IllegalArgumentException("no conversion to " + type);
      };
    } catch (ArithmeticException | ClassCastException | java.time.format.DateTimeParseException e) {
      throw new IllegalArgumentException(value + " is not a " + type + ": " + e.getMessage(), e);
    }
  }
}
