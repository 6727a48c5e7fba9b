package dev.freshet.features;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
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
  /** Each feature's result as of the last {@link #refresh}; recomputed only for the changed ones. */
  private final Object[] results;
  private final BitSet changed;
  private final List<TreeMap<RowOrder, TypedRow>> windowRows = new ArrayList<>();
  private long evaluatedAtNanos;
  /**
   * When the next row leaves a window, or {@link #UNKNOWN}: exact after it is computed and after
   * adds, possibly early after a retraction (never late).
   */
  private long nextExpiryNanos = UNKNOWN;
  private static final long UNKNOWN = Long.MIN_VALUE;
  /** Whether {@link #results} are what was last published: not after a rebuild. */
  private boolean resultsPublished;

  private EntityAggregates(FeaturePlan plan, EntityState state, long asOfNanos) {
    this.plan = plan;
    this.state = state;
    this.evaluatedAtNanos = asOfNanos;
    this.accumulators = new FeatureAccumulator[plan.slots.size()];
    this.results = new Object[plan.slots.size()];
    this.changed = new BitSet(plan.slots.size());
    changed.set(0, plan.slots.size());
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
      row.source().lifetimeKeepingRows.forEach(slot -> a.apply(slot, row, 1));
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
    if (asOfNanos < nextExpiryNanos()) {
      evaluatedAtNanos = asOfNanos; // no row leaves a window before then
      return List.of();
    }
    nextExpiryNanos = UNKNOWN;
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
            apply(slot, row, -1);
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
    row.source().lifetime.forEach(slot -> apply(slot, row, 1));
    return addToWindows(row);
  }

  private boolean addToWindows(TypedRow row) {
    SourcePlan source = row.source();
    if (source.windowNanos.length == 0 || row.eventNanos() <= evaluatedAtNanos - source.longestWindowNanos()) {
      return false;
    }
    for (FeatureSlot slot : source.windowed) {
      if (slot.inWindow(row.eventNanos(), evaluatedAtNanos)) {
        apply(slot, row, 1);
      }
    }
    windowRows.get(source.index).put(row.order(), row);
    if (nextExpiryNanos != UNKNOWN) {
      // It leaves the shortest window it is in first; windows are sorted by length.
      for (long length : source.windowNanos) {
        if (row.eventNanos() > evaluatedAtNanos - length) {
          nextExpiryNanos = Math.min(nextExpiryNanos, row.eventNanos() + length);
          break;
        }
      }
    }
    return true;
  }

  /** Takes a row's contribution back out (it was updated or deleted); returns whether it was kept in the windows. */
  boolean retract(TypedRow row) {
    SourcePlan source = row.source();
    source.lifetime.forEach(slot -> apply(slot, row, -1));
    if (windowRows.get(source.index).remove(row.order()) == null) {
      return false;
    }
    for (FeatureSlot slot : source.windowed) {
      if (slot.inWindow(row.eventNanos(), evaluatedAtNanos)) {
        apply(slot, row, -1);
      }
    }
    // nextExpiryNanos stays: at worst too early, which costs one evaluation that finds nothing.
    return true;
  }

  private void apply(FeatureSlot slot, TypedRow row, int sign) {
    if (slot.apply(accumulators[slot.index], row, sign)) {
      changed.set(slot.index);
    }
  }

  /**
   * Brings every feature's result up to date (computing only those whose accumulator changed);
   * returns whether a value differs from the last published one, or that one is not known.
   */
  boolean refresh() {
    boolean moved = !resultsPublished;
    for (int i = changed.nextSetBit(0); i >= 0; i = changed.nextSetBit(i + 1)) {
      Object value = accumulators[i].result();
      if (!Objects.equals(value, results[i])) {
        results[i] = value;
        moved = true;
      }
    }
    changed.clear();
    return moved;
  }

  /** The results of the last {@link #refresh}, by feature name in definition order. */
  Map<String, Object> values() {
    return new FeatureValues(plan.featureNames, results.clone());
  }

  /** The results of the last {@link #refresh} were published. */
  void markPublished() {
    resultsPublished = true;
  }

  /** When the next kept row leaves one of its windows, in epoch nanoseconds; Long.MAX_VALUE if never. */
  long nextExpiryNanos() {
    if (nextExpiryNanos == UNKNOWN) {
      nextExpiryNanos = computeNextExpiryNanos();
    }
    return nextExpiryNanos;
  }

  private long computeNextExpiryNanos() {
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
