package dev.freshet.features;

import dev.freshet.common.definitions.ColumnType;
import dev.freshet.common.definitions.SourceDefinition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One source of the definitions, prepared for incremental aggregation: column positions and
 * types, and its features grouped by window length, so an expiry touches only the features whose
 * window a row leaves.
 */
final class SourcePlan {
  final int index;
  final SourceDefinition definition;
  private final Map<String, Integer> columns = new HashMap<>();
  private final ColumnType[] types;
  private final int primaryKey;
  /** Distinct window lengths of the source's windowed features, shortest first, in nanoseconds. */
  final long[] windowNanos;
  /** For each of {@link #windowNanos}, the slots of the features with that window. */
  final List<List<FeatureSlot>> byWindow = new ArrayList<>();
  final List<FeatureSlot> windowed = new ArrayList<>();
  final List<FeatureSlot> lifetime = new ArrayList<>();
  /** Lifetime features whose retraction needs the rows themselves (all but count, sum, avg). */
  final List<FeatureSlot> lifetimeKeepingRows = new ArrayList<>();
  /**
   * The source's events carry the old row of each update and delete (replica identity full):
   * nothing upstream checked it against the row it replaces, so the aggregator does.
   */
  final boolean oldRowsInEvents;
  /** The lifetime features whose rows {@link #keptForLifetime}. */
  private final List<FeatureSlot> keptBy = new ArrayList<>();

  SourcePlan(int index, SourceDefinition definition) {
    this.index = index;
    this.definition = definition;
    this.oldRowsInEvents = definition.oldRowsInEvents();
    this.types = definition.columns().values().toArray(ColumnType[]::new);
    int i = 0;
    for (String column : definition.columns().keySet()) {
      columns.put(column, i++);
    }
    this.primaryKey = column(definition.primaryKey());
    this.windowNanos = definition.windowed().stream().mapToLong(f -> f.window().length().toNanos()).distinct().sorted().toArray();
    for (int w = 0; w < windowNanos.length; w++) {
      byWindow.add(new ArrayList<>());
    }
  }

  void add(FeatureSlot slot) {
    if (slot.windowNanos < 0) {
      lifetime.add(slot);
      if (!slot.reversible()) {
        lifetimeKeepingRows.add(slot);
      }
      if (!slot.reversible() || oldRowsInEvents) {
        keptBy.add(slot);
      }
      return;
    }
    windowed.add(slot);
    for (int w = 0; w < windowNanos.length; w++) {
      if (windowNanos[w] == slot.windowNanos) {
        byWindow.get(w).add(slot);
      }
    }
  }

  long longestWindowNanos() {
    return windowNanos.length == 0 ? 0 : windowNanos[windowNanos.length - 1];
  }

  /** Position of a declared column in {@link TypedRow#values()}. */
  int column(String name) {
    Integer i = columns.get(name);
    if (i == null) {
      throw new IllegalArgumentException("source " + definition.name() + " has no column " + name);
    }
    return i;
  }

  ColumnType type(int column) {
    return types[column];
  }

  /** The row's values by column position (a column a kept row lacks is null). */
  @SuppressWarnings("unchecked")
  TypedRow typed(SourceRow row) {
    Object[] values = new Object[types.length];
    int i = 0;
    for (String column : definition.columns().keySet()) {
      values[i++] = row.values().get(column);
    }
    Instant t = row.eventTime();
    long nanos = Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    Comparable<Object> pk = (Comparable<Object>) values[primaryKey];
    return new TypedRow(this, row.pk(), new RowOrder(nanos, pk), values);
  }

  /**
   * Whether the row tracker must keep this row for good (the source's events carry no old rows):
   * some lifetime feature counts it, and a later UPDATE or DELETE, which brings only the key, can
   * retract it only from the row kept. Sweeping one that only a count, sum or avg counted added it a
   * second time on its next update.
   */
  boolean trackedForLifetime(TypedRow row) {
    for (FeatureSlot slot : lifetime) {
      if (slot.matches(row)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether some lifetime feature needs this row of this source kept: to retract it exactly later,
   * or, when the old rows come in the events, to tell whether a row counted at all.
   */
  boolean keptForLifetime(TypedRow row) {
    for (FeatureSlot slot : keptBy) {
      if (slot.matches(row)) {
        return true;
      }
    }
    return false;
  }
}
