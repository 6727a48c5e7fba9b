package dev.freshet.features;

import dev.freshet.common.definitions.Aggregation;
import dev.freshet.common.definitions.ColumnType;
import dev.freshet.common.definitions.FeatureDefinition;

/** One feature bound to its source's column positions: decides whether and what a row contributes. */
final class FeatureSlot {
  /** Position in the definitions (and in every vector). */
  final int index;
  final FeatureDefinition definition;
  final SourcePlan source;
  /** Window length in nanoseconds, or -1 for lifetime. */
  final long windowNanos;
  private final int column;
  private final ColumnType type;

  FeatureSlot(int index, FeatureDefinition definition, SourcePlan source) {
    this.index = index;
    this.definition = definition;
    this.source = source;
    this.windowNanos = definition.window().isLifetime() ? -1 : definition.window().length().toNanos();
    this.column = definition.column() == null ? -1 : source.column(definition.column());
    this.type = column < 0 ? null : source.type(column);
  }

  String name() {
    return definition.name();
  }

  /** Count, sum and avg retract by arithmetic; the others need the rows themselves. */
  boolean reversible() {
    return switch (definition.aggregation()) {
      case COUNT, SUM, AVG -> true;
      default -> false;
    };
  }

  /** Whether the row passes the feature's filter (it may still not count, e.g. a null column). */
  boolean matches(TypedRow row) {
    return definition.filter().test(name -> row.value(source.column(name)));
  }

  /** Whether a row with this event time is inside the window evaluated at {@code asOfNanos}. */
  boolean inWindow(long eventNanos, long asOfNanos) {
    return windowNanos < 0 || eventNanos > asOfNanos - windowNanos;
  }

  /** Adds ({@code sign} 1) or retracts (-1) the row's contribution, if it has one; returns whether it had. */
  boolean apply(FeatureAccumulator accumulator, TypedRow row, int sign) {
    if (!matches(row)) {
      return false;
    }
    Object value = column < 0 ? null : row.value(column);
    Aggregation aggregation = definition.aggregation();
    // first/last report the column of the earliest/latest row even when it is null; the others skip nulls.
    if (value == null && column >= 0 && aggregation != Aggregation.FIRST && aggregation != Aggregation.LAST) {
      return false;
    }
    if (sign > 0) {
      accumulator.add(value, row.order());
    } else {
      accumulator.retract(value, row.order());
    }
    return true;
  }

  /** A fresh accumulator; reversible lifetime features keep their totals in {@code lifetime}. */
  FeatureAccumulator newAccumulator(FeatureAccumulator.Total lifetime) {
    FeatureAccumulator.Total total = lifetime != null ? lifetime : new FeatureAccumulator.Total();
    return switch (definition.aggregation()) {
      case COUNT -> new FeatureAccumulator.Count(total);
      case SUM -> new FeatureAccumulator.Sum(total, type == ColumnType.LONG);
      case AVG -> new FeatureAccumulator.Average(total);
      case MIN -> new FeatureAccumulator.Extremum(type, false);
      case MAX -> new FeatureAccumulator.Extremum(type, true);
      case COUNT_DISTINCT -> definition.approximate() ? new FeatureAccumulator.DistinctHashes() : new FeatureAccumulator.Distinct();
      case TOP_K -> new FeatureAccumulator.TopK(type, definition.size());
      case FIRST -> new FeatureAccumulator.Ordered(type, FeatureAccumulator.Ordered.Pick.FIRST, 1);
      case LAST -> new FeatureAccumulator.Ordered(type, FeatureAccumulator.Ordered.Pick.LAST, 1);
      case LAST_N -> new FeatureAccumulator.Ordered(type, FeatureAccumulator.Ordered.Pick.LAST_N, definition.size());
    };
  }
}
