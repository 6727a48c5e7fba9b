package dev.freshet.features;

/**
 * A source row with its values parsed once into their column types (String, Long, BigDecimal,
 * Instant, Boolean), in the order of the source's declared columns ({@link SourcePlan#column}).
 */
record TypedRow(SourcePlan source, String entity, RowOrder order, Object[] values, SourceRow stored) {
  Object value(int column) {
    return values[column];
  }

  long eventNanos() {
    return order.eventNanos();
  }
}
