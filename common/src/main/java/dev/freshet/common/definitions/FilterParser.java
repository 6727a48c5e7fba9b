package dev.freshet.common.definitions;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Recursive-descent parser for {@link Filter}: {@code or} binds looser than {@code and}; literals
 * are checked against the declared column types. Errors name the offending token.
 */
final class FilterParser {
  private final String text;
  private final Map<String, ColumnType> columns;
  private int pos;

  FilterParser(String text, Map<String, ColumnType> columns) {
    this.text = text;
    this.columns = columns;
  }

  Filter parse() {
    Filter f = or();
    skipSpace();
    if (pos < text.length()) {
      throw error("unexpected '" + text.substring(pos) + "'");
    }
    return f;
  }

  private Filter or() {
    List<Filter> parts = new ArrayList<>(List.of(and()));
    while (keyword("or")) {
      parts.add(and());
    }
    return parts.size() == 1 ? parts.get(0) : new Filter.Or(parts);
  }

  private Filter and() {
    List<Filter> parts = new ArrayList<>(List.of(term()));
    while (keyword("and")) {
      parts.add(term());
    }
    return parts.size() == 1 ? parts.get(0) : new Filter.And(parts);
  }

  private Filter term() {
    if (symbol("(")) {
      Filter inner = or();
      expect(")");
      return inner;
    }
    String column = identifier();
    ColumnType type = columns.get(column);
    if (type == null) {
      throw error("unknown column '" + column + "' (declared columns: " + String.join(", ", columns.keySet()) + ")");
    }
    if (keyword("is")) {
      boolean not = keyword("not");
      if (!keyword("null")) {
        throw error("expected NULL after IS" + (not ? " NOT" : ""));
      }
      return new Filter.IsNull(column, not);
    }
    if (keyword("in")) {
      expect("(");
      List<Object> literals = new ArrayList<>(List.of(literal(column, type)));
      while (symbol(",")) {
        literals.add(literal(column, type));
      }
      expect(")");
      return new Filter.Comparison(column, "in", literals, type);
    }
    String op = operator();
    if (!type.isNumeric() && type != ColumnType.TIMESTAMP && !op.equals("=") && !op.equals("!=")) {
      throw error("'" + op + "' needs a numeric or timestamp column; '" + column + "' is " + type.yamlName());
    }
    return new Filter.Comparison(column, op, List.of(literal(column, type)), type);
  }

  private String operator() {
    for (String op : List.of("<=", ">=", "!=", "<>", "=", "<", ">")) {
      if (symbol(op)) {
        return op.equals("<>") ? "!=" : op;
      }
    }
    throw error("expected one of = != <> < <= > >= IN IS");
  }

  private Object literal(String column, ColumnType type) {
    skipSpace();
    if (pos < text.length() && text.charAt(pos) == '\'') {
      StringBuilder s = new StringBuilder();
      pos++;
      while (true) {
        if (pos >= text.length()) {
          throw error("unterminated string literal");
        }
        char c = text.charAt(pos++);
        if (c == '\'') {
          if (pos < text.length() && text.charAt(pos) == '\'') {
            s.append('\'');
            pos++;
            continue;
          }
          break;
        }
        s.append(c);
      }
      if (type == ColumnType.STRING) {
        return s.toString();
      }
      if (type == ColumnType.TIMESTAMP) {
        try {
          return ColumnType.parseInstant(s.toString());
        } catch (IllegalArgumentException e) {
          throw error("'" + s + "' is not a timestamp for column '" + column + "'");
        }
      }
      throw error("column '" + column + "' is " + type.yamlName() + ", so compare it with a "
          + (type == ColumnType.BOOLEAN ? "true/false" : "number") + ", not the text '" + s + "'");
    }
    String word = word();
    if (word.isEmpty()) {
      throw error("expected a value to compare '" + column + "' with");
    }
    switch (type) {
      case BOOLEAN -> {
        if (word.equalsIgnoreCase("true") || word.equalsIgnoreCase("false")) {
          return Boolean.parseBoolean(word.toLowerCase());
        }
      }
      case LONG -> {
        try {
          return Long.parseLong(word);
        } catch (NumberFormatException e) {
          // reported below
        }
      }
      case DECIMAL -> {
        try {
          return new BigDecimal(word);
        } catch (NumberFormatException e) {
          // reported below
        }
      }
      default -> {
        throw error("column '" + column + "' is " + type.yamlName() + ": write the value in single quotes ('" + word + "')");
      }
    }
    throw error("'" + word + "' is not a valid " + type.yamlName() + " for column '" + column + "'");
  }

  private String identifier() {
    String w = word();
    if (w.isEmpty() || !Character.isLetter(w.charAt(0)) && w.charAt(0) != '_') {
      throw error("expected a column name");
    }
    return w;
  }

  private String word() {
    skipSpace();
    int start = pos;
    while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || "_.-+".indexOf(text.charAt(pos)) >= 0)) {
      pos++;
    }
    return text.substring(start, pos);
  }

  private boolean keyword(String kw) {
    skipSpace();
    int end = pos + kw.length();
    if (end <= text.length() && text.regionMatches(true, pos, kw, 0, kw.length())
        && (end == text.length() || !Character.isLetterOrDigit(text.charAt(end)) && text.charAt(end) != '_')) {
      pos = end;
      return true;
    }
    return false;
  }

  private boolean symbol(String s) {
    skipSpace();
    if (text.startsWith(s, pos)) {
      pos += s.length();
      return true;
    }
    return false;
  }

  private void expect(String s) {
    if (!symbol(s)) {
      throw error("expected '" + s + "'");
    }
  }

  private void skipSpace() {
    while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
      pos++;
    }
  }

  private IllegalArgumentException error(String message) {
    return new IllegalArgumentException(message + " at position " + (pos + 1) + " of \"" + text + "\"");
  }
}
