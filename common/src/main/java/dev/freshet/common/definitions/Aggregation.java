package dev.freshet.common.definitions;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The aggregations a feature can declare, with what each needs from the definition. */
public enum Aggregation {
  /** Rows matching the filter; with a column, rows where the column is not null. */
  COUNT(false, false, false),
  SUM(true, true, false),
  /** Average of the column, rounded half-up to 6 decimals; null when the window is empty. */
  AVG(true, true, false),
  MIN(true, false, false),
  MAX(true, false, false),
  /** Column of the earliest row by (event time, primary key). */
  FIRST(true, false, false),
  /** Column of the latest row by (event time, primary key). */
  LAST(true, false, false),
  /** Distinct non-null values; exact, or HyperLogLog when declared {@code approximate: true}. */
  COUNT_DISTINCT(true, false, false),
  /** The k most frequent non-null values, most frequent first, ties by value. */
  TOP_K(true, false, true),
  /** The n latest non-null values by (event time, primary key), latest first. */
  LAST_N(true, false, true);

  /**
   * The error an approximate count_distinct is allowed, relative to the exact count: three
   * standard errors of its HyperLogLog sketch (2^14 registers).
   */
  public static final double APPROXIMATE_RELATIVE_ERROR = 3 * 1.04 / 128;

  private final boolean needsColumn;
  private final boolean numericOnly;
  private final boolean needsSize;

  Aggregation(boolean needsColumn, boolean numericOnly, boolean needsSize) {
    this.needsColumn = needsColumn;
    this.numericOnly = numericOnly;
    this.needsSize = needsSize;
  }

  public String yamlName() {
    return name().toLowerCase();
  }

  public boolean needsColumn() {
    return needsColumn;
  }

  public boolean numericOnly() {
    return numericOnly;
  }

  /** top_k takes {@code k}, last_n takes {@code n}. */
  public String sizeField() {
    return this == TOP_K ? "k" : this == LAST_N ? "n" : null;
  }

  public boolean needsSize() {
    return needsSize;
  }

  /** top_k and last_n give a list of values, the others one. */
  public boolean listValued() {
    return this == TOP_K || this == LAST_N;
  }

  public static Aggregation named(String name) {
    for (Aggregation a : values()) {
      if (a.yamlName().equals(name)) {
        return a;
      }
    }
    return null;
  }

  public static String names() {
    return Arrays.stream(values()).map(Aggregation::yamlName).collect(Collectors.joining(", "));
  }
}
