package dev.freshet.features;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * One entity's features, maintained incrementally: an accumulator per feature, and per source the
 * rows still inside its longest window, in event-time order. A change costs O(features of its
 * source); an expiry retracts exactly the rows that left each window since the last evaluation, and
 * only from the features of that window length.
 *
 * <p>This is derived state: the durable truth is the entity's kept rows and its
 * {@link EntityState}, from which {@link #rebuild} recreates it (once per entity per task start,
 * or after the entity fell out of the aggregator's cache).
 *
 * <p>Memory per entity: one accumulator per feature (see {@link FeatureAccumulator} for each
 * one's cost) plus, per row inside its source's longest window, one tree entry (~40 bytes) and the
 * typed row.
 */
final class EntityAggregates {
  final EntityState state;
  private final FeaturePlan plan;
  private final FeatureAccumulator[] accumulators;
  private final List<TreeMap<RowOrder, TypedRow>> windowRows = new ArrayList<>();
  private long evaluatedAtNanos;
  /** The values last published, or null when unknown (after a rebuild). */
  Map<String, Object> published;

  private EntityAggregates(FeaturePlan plan, EntityState state, long asOfNanos) {
    this.plan = plan;
    this.state = state;
    this.evaluatedAtNanos = asOfNanos;
    this.accumulators = new FeatureAccumulator[plan.slots.size()];
    for (FeatureSlot slot : plan.slots) {
      FeatureAccumulator.Total lifetime = slot.windowNanos < 0 && slot.reversible()
          ? state.lifetime.computeIfAbsent(slot.name(), n -> new FeatureAccumulator.Total())
          : null;
      accumulators[slot.index] = slot.newAccumulator(lifetime);
    }
    plan.sources.forEach(s -> windowRows.add(new TreeMap<>()));
  }

  static EntityAggregates empty(FeaturePlan plan, EntityState state, long asOfNanos) {
    return new EntityAggregates(plan, state, asOfNanos);
  }

  /**
   * Recreates an entity's aggregates as of {@code asOfNanos} from its kept rows: those inside a
   * window and those a lifetime feature keeps (see {@link SourcePlan#keptForLifetime}). Returns it with the
   * window rows that have meanwhile left their source's longest window in {@code aged}.
   */
  static EntityAggregates rebuild(FeaturePlan plan, EntityState state, long asOfNanos,
      Iterator<TypedRow> inWindows, Iterator<TypedRow> keptForLifetime, List<TypedRow> aged) {
    EntityAggregates a = new EntityAggregates(plan, state, asOfNanos);
    while (inWindows.hasNext()) {
      TypedRow row = inWindows.next();
      if (!a.addToWindows(row)) {
        aged.add(row);
      }
    }
    while (keptForLifetime.hasNext()) {
      TypedRow row = keptForLifetime.next();
      row.source().lifetimeKeepingRows.forEach(slot -> slot.apply(a.accumulators[slot.index], row, 1));
    }
    return a;
  }

  /**
   * Moves the evaluation time to {@code asOfNanos} (never backwards): every row that left a window
   * since is retracted from that window's features. Returns the rows that left their source's
   * longest window, no longer kept.
   */
  List<TypedRow> advanceTo(long asOfNanos) {
    if (asOfNanos <= evaluatedAtNanos) {
      return List.of();
    }
    List<TypedRow> aged = List.of();
    for (SourcePlan source : plan.sources) {
      TreeMap<RowOrder, TypedRow> rows = windowRows.get(source.index);
      if (rows.isEmpty()) {
        continue;
      }
      for (int w = 0; w < source.windowNanos.length; w++) {
        long length = source.windowNanos[w];
        // Rows with evaluatedAt - length < event time <= asOf - length leave this window now.
        NavigableMap<RowOrder, TypedRow> leaving = rows.subMap(
            new RowOrder(evaluatedAtNanos - length + 1, null), true, new RowOrder(asOfNanos - length + 1, null), false);
        if (leaving.isEmpty()) {
          continue;
        }
        for (TypedRow row : leaving.values()) {
          for (FeatureSlot slot : source.byWindow.get(w)) {
            slot.apply(accumulators[slot.index], row, -1);
          }
        }
        if (w == source.windowNanos.length - 1) {
          if (aged.isEmpty()) {
            aged = new ArrayList<>();
          }
          aged.addAll(leaving.values());
          leaving.clear();
        }
      }
    }
    evaluatedAtNanos = asOfNanos;
    return aged;
  }

  /** Adds a new row (after {@link #advanceTo} the change's time); returns whether it is kept in the windows. */
  boolean add(TypedRow row) {
    row.source().lifetime.forEach(slot -> slot.apply(accumulators[slot.index], row, 1));
    return addToWindows(row);
  }

  private boolean addToWindows(TypedRow row) {
    SourcePlan source = row.source();
    if (source.windowNanos.length == 0 || row.eventNanos() <= evaluatedAtNanos - source.longestWindowNanos()) {
      return false;
    }
    for (FeatureSlot slot : source.windowed) {
      if (slot.inWindow(row.eventNanos(), evaluatedAtNanos)) {
        slot.apply(accumulators[slot.index], row, 1);
      }
    }
    windowRows.get(source.index).put(row.order(), row);
    return true;
  }

  /** Takes a row's contribution back out (it was updated or deleted); returns whether it was kept in the windows. */
  boolean retract(TypedRow row) {
    SourcePlan source = row.source();
    source.lifetime.forEach(slot -> slot.apply(accumulators[slot.index], row, -1));
    if (windowRows.get(source.index).remove(row.order()) == null) {
      return false;
    }
    for (FeatureSlot slot : source.windowed) {
      if (slot.inWindow(row.eventNanos(), evaluatedAtNanos)) {
        slot.apply(accumulators[slot.index], row, -1);
      }
    }
    return true;
  }

  /** Every feature's value as of the evaluation time, in definition order. */
  Map<String, Object> results() {
    Map<String, Object> values = new LinkedHashMap<>();
    for (FeatureSlot slot : plan.slots) {
      values.put(slot.name(), accumulators[slot.index].result());
    }
    return values;
  }

  long evaluatedAtNanos() {
    return evaluatedAtNanos;
  }

  /** When the next kept row leaves one of its windows, in epoch nanoseconds; Long.MAX_VALUE if never. */
  long nextExpiryNanos() {
    long next = Long.MAX_VALUE;
    for (SourcePlan source : plan.sources) {
      TreeMap<RowOrder, TypedRow> rows = windowRows.get(source.index);
      if (rows.isEmpty()) {
        continue;
      }
      for (long length : source.windowNanos) {
        RowOrder first = rows.ceilingKey(new RowOrder(evaluatedAtNanos - length + 1, null));
        if (first != null) {
          next = Math.min(next, first.eventNanos() + length);
        }
      }
    }
    return next;
  }
}
