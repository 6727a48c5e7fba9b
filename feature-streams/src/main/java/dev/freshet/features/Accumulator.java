package dev.freshet.features;

import dev.freshet.common.definitions.Aggregation;
import dev.freshet.common.definitions.ColumnType;
import dev.freshet.common.definitions.FeatureDefinition;
import dev.freshet.common.definitions.SourceDefinition;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Computes one feature from the rows added to it, and takes rows back out exactly: every
 * aggregation is retractable, reversible ones (count, sum, avg) by arithmetic, the others by
 * keeping the multiset or ordered set they need ({@link AggregateState}). Windowed features use a
 * fresh accumulator over the rows in the window; lifetime features keep theirs per entity.
 */
final class Accumulator {
  private final FeatureDefinition feature;
  private final SourceDefinition source;
  private final ColumnType type;
  private final AggregateState state;
  private final HyperLogLog sketch;

  Accumulator(FeatureDefinition feature, SourceDefinition source, AggregateState state) {
    this.feature = feature;
    this.source = source;
    this.type = feature.column() == null ? null : source.columns().get(feature.column());
    this.state = state;
    this.sketch = feature.approximate() ? new HyperLogLog() : null;
  }

  static Accumulator fresh(FeatureDefinition feature, SourceDefinition source) {
    return new Accumulator(feature, source, new AggregateState());
  }

  AggregateState state() {
    return state;
  }

  /** Whether the row passes the feature's filter (it may still not count, e.g. a null column). */
  boolean matches(SourceRow row) {
    Map<String, ColumnType> columns = source.columns();
    return feature.filter().test(column -> row.value(column, columns.get(column)));
  }

  void add(SourceRow row) {
    apply(row, 1);
  }

  void retract(SourceRow row) {
    apply(row, -1);
  }

  private void apply(SourceRow row, int sign) {
    if (!matches(row)) {
      return;
    }
    String v = feature.column() == null ? null : row.values().get(feature.column());
    switch (feature.aggregation()) {
      case COUNT -> {
        if (feature.column() == null || v != null) {
          state.count += sign;
        }
      }
      case SUM, AVG -> {
        if (v != null) {
          state.count += sign;
          BigDecimal x = new BigDecimal(v);
          state.sum = (state.sum == null ? BigDecimal.ZERO : state.sum).add(sign > 0 ? x : x.negate());
        }
      }
      case MIN, MAX, TOP_K -> count(v, sign);
      case COUNT_DISTINCT -> {
        if (sketch != null) {
          if (v != null) {
            sketch.add(v); // windowed only: rebuilt from the window's rows, never retracted
          }
        } else {
          count(v, sign);
        }
      }
      case FIRST, LAST -> order(row, v, sign);
      case LAST_N -> {
        if (v != null) {
          order(row, v, sign);
        }
      }
    }
  }

  private void count(String v, int sign) {
    if (v == null) {
      return;
    }
    if (state.values == null) {
      state.values = new TreeMap<>();
    }
    state.values.merge(v, (long) sign, (a, b) -> a + b == 0 ? null : a + b);
  }

  private void order(SourceRow row, String v, int sign) {
    if (state.ordered == null) {
      state.ordered = new TreeMap<>();
    }
    String key = sortKey(row);
    if (sign > 0) {
      state.ordered.put(key, v);
    } else {
      state.ordered.remove(key);
    }
  }

  /** Orders rows by (event time, primary key), as text that sorts the same way. */
  private String sortKey(SourceRow row) {
    Instant t = row.eventTime();
    String time = SortableText.zeroPadded(t.getEpochSecond() * 1_000_000_000L + t.getNano() + 4_000_000_000_000_000_000L, 20);
    String pk = source.columns().get(source.primaryKey()) == ColumnType.LONG
        ? SortableText.zeroPaddedUnsigned(Long.parseLong(row.pk()) ^ Long.MIN_VALUE)
        : row.pk();
    return time + "|" + pk;
  }

  /** The feature's value as published: a number, a string, a list, or null for an empty window. */
  Object result() {
    Aggregation aggregation = feature.aggregation();
    return switch (aggregation) {
      case COUNT -> state.count;
      case SUM -> {
        BigDecimal sum = state.sum == null || state.count == 0 ? BigDecimal.ZERO : state.sum;
        yield type == ColumnType.LONG ? (Object) sum.longValueExact() : sum;
      }
      case AVG -> state.count == 0 ? null : state.sum.divide(BigDecimal.valueOf(state.count), 6, RoundingMode.HALF_UP);
      case MIN, MAX -> {
        if (state.values == null || state.values.isEmpty()) {
          yield null;
        }
        Comparator<Object> order = type.order();
        Object best = null;
        for (String v : state.values.keySet()) {
          Object x = type.value(v);
          if (best == null || (aggregation == Aggregation.MIN ? order.compare(x, best) < 0 : order.compare(x, best) > 0)) {
            best = x;
          }
        }
        yield type.published(best);
      }
      case COUNT_DISTINCT -> sketch != null ? sketch.estimate() : (long) (state.values == null ? 0 : state.values.size());
      case TOP_K -> {
        if (state.values == null) {
          yield List.of();
        }
        Comparator<Object> order = type.order();
        List<Map.Entry<String, Long>> entries = new ArrayList<>(state.values.entrySet());
        entries.sort(Comparator.<Map.Entry<String, Long>>comparingLong(Map.Entry::getValue).reversed()
            .thenComparing((a, b) -> order.compare(type.value(a.getKey()), type.value(b.getKey()))));
        yield entries.stream().limit(feature.size()).map(e -> type.published(type.value(e.getKey()))).toList();
      }
      case FIRST, LAST -> {
        if (state.ordered == null || state.ordered.isEmpty()) {
          yield null;
        }
        String v = aggregation == Aggregation.FIRST ? state.ordered.firstEntry().getValue() : state.ordered.lastEntry().getValue();
        yield type.published(type.value(v));
      }
      case LAST_N -> state.ordered == null ? List.of()
          : state.ordered.descendingMap().values().stream().limit(feature.size()).map(v -> type.published(type.value(v))).toList();
    };
  }
}
