package dev.freshet.common.definitions;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A row filter written in a small subset of SQL ({@code kind = 'purchase'}, {@code amount >= 10},
 * {@code kind in ('view', 'click')}, {@code author is not null}, {@code and}, {@code or},
 * parentheses). It follows SQL's rule that a comparison with NULL is not true, so the same text
 * can be handed to PostgreSQL to recompute a feature from the source table.
 */
public sealed interface Filter {
  Filter ALL = new All();

  /** Whether a row passes; {@code column} gives a column's typed value (or null). */
  boolean test(Function<String, Object> column);

  /** The filter as the SQL text it was written as (normalised), "true" for no filter. */
  String sql();

  static Filter parse(String text, Map<String, ColumnType> columns) {
    return new FilterParser(text, columns).parse();
  }

  record All() implements Filter {
    public boolean test(Function<String, Object> column) {
      return true;
    }

    public String sql() {
      return "true";
    }
  }

  record And(List<Filter> parts) implements Filter {
    public boolean test(Function<String, Object> column) {
      return parts.stream().allMatch(p -> p.test(column));
    }

    public String sql() {
      return "(" + String.join(" AND ", parts.stream().map(Filter::sql).toList()) + ")";
    }
  }

  record Or(List<Filter> parts) implements Filter {
    public boolean test(Function<String, Object> column) {
      return parts.stream().anyMatch(p -> p.test(column));
    }

    public String sql() {
      return "(" + String.join(" OR ", parts.stream().map(Filter::sql).toList()) + ")";
    }
  }

  record IsNull(String column, boolean negated) implements Filter {
    public boolean test(Function<String, Object> values) {
      return (values.apply(column) == null) != negated;
    }

    public String sql() {
      return column + (negated ? " IS NOT NULL" : " IS NULL");
    }
  }

  /** {@code column op literal}; {@code literals} has one element except for IN. */
  record Comparison(String column, String op, List<Object> literals, ColumnType type) implements Filter {
    @SuppressWarnings({"unchecked", "rawtypes"})
    public boolean test(Function<String, Object> values) {
      Object v = values.apply(column);
      if (v == null) {
        return false;
      }
      if (op.equals("in")) {
        return literals.stream().anyMatch(l -> ((Comparable) v).compareTo(l) == 0);
      }
      int c = ((Comparable) v).compareTo(literals.get(0));
      return switch (op) {
        case "=" -> c == 0;
        case "!=" -> c != 0;
        case "<" -> c < 0;
        case "<=" -> c <= 0;
        case ">" -> c > 0;
        default -> c >= 0;
      };
    }

    public String sql() {
      List<String> lits = literals.stream().map(Comparison::sqlLiteral).toList();
      return op.equals("in") ? column + " IN (" + String.join(", ", lits) + ")" : column + " " + op + " " + lits.get(0);
    }

    private static String sqlLiteral(Object v) {
      return v instanceof String || v instanceof java.time.Instant ? "'" + v.toString().replace("'", "''") + "'" : v.toString();
    }
  }
}
