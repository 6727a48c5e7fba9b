package dev.freshet.features;

/**
 * A row's place in event time: (event time in epoch nanoseconds, primary key), the order
 * first/last/last_n and window expiry use. A null key sorts before every key, so
 * {@code new RowOrder(t, null)} is the lowest position at time {@code t}.
 */
record RowOrder(long eventNanos, Comparable<Object> pk) implements Comparable<RowOrder> {
  @Override
  public int compareTo(RowOrder o) {
    int c = Long.compare(eventNanos, o.eventNanos);
    if (c != 0) {
      return c;
    }
    if (pk == null || o.pk == null) {
      return pk == null ? (o.pk == null ? 0 : -1) : 1;
    }
    return pk.compareTo(o.pk);
  }
}
