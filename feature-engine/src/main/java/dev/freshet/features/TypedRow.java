package dev.freshet.features;

/**
 * A source row with its values parsed once into their column types (String, Long, BigDecimal,
 * Instant, Boolean), in the order of the source's declared columns ({@link SourcePlan#column}),
 * and its primary key as text (the row stores' key). It is what an entity's aggregates keep in
 * memory per row, so it holds no more: the {@link SourceRow} it came from, with its map of
 * column names, was two thirds of the heap and most of the young collections' work.
 */
record TypedRow(SourcePlan source, String pk, RowOrder order, Object[] values) {
  Object value(int column) {
    return values[column];
  }

  long eventNanos() {
    return order.eventNanos();
  }
}
