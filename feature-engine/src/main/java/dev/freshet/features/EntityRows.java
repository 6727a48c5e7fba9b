package dev.freshet.features;

import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Applies row deltas to one entity's aggregates and to the rows kept for it: those inside their
 * source's longest window and those a lifetime feature needs to retract exactly. The aggregator's
 * decisions without its stores (the stream keeps the rows in RocksDB, a recomputation from the
 * change history in memory), so both compute alike.
 */
final class EntityRows {
  /** Kept rows by {@link #rowKey}. */
  interface Store {
    SourceRow get(String key);

    void put(String key, SourceRow row);

    void delete(String key);

    /** A store of three operations: a key-value store's, a map's. */
    static Store of(Function<String, SourceRow> get, BiConsumer<String, SourceRow> put, Consumer<String> delete) {
      return new Store() {
        public SourceRow get(String key) {
          return get.apply(key);
        }

        public void put(String key, SourceRow row) {
          put.accept(key, row);
        }

        public void delete(String key) {
          delete.accept(key);
        }
      };
    }
  }

  private final FeaturePlan plan;
  private final Store inWindows;
  private final Store forLifetime;

  EntityRows(FeaturePlan plan, Store inWindows, Store forLifetime) {
    this.plan = plan;
    this.inWindows = inWindows;
    this.forLifetime = forLifetime;
  }

  /**
   * Applies {@code delta} to its entity's {@code aggregates} (advanced to the change's time before)
   * and to the kept rows, and updates the entity's provenance. Everything that can fail first
   * (typing, filters, the accumulators in memory), the stores after: a delta that fails changes no
   * store, and the caller drops the aggregates, perhaps half updated, to rebuild them from the rows.
   */
  void apply(EntityAggregates aggregates, RowDelta delta) {
    String entity = delta.entity();
    TypedRow before = delta.before() == null ? null : plan.typed(delta.before());
    boolean retract = before != null && (!before.source().oldRowsInEvents || delta.before().equals(kept(entity, delta.before())));
    TypedRow after = delta.after() == null ? null : plan.typed(delta.after());
    // The row kept for the new row's key is the old row this change retracts (no store read then:
    // an update keeps its key), or none.
    boolean add = after != null && (!after.source().oldRowsInEvents
        || retract && rowKey(entity, delta.before()).equals(rowKey(entity, delta.after()))
        || kept(entity, delta.after()) == null);
    boolean retractedFromWindows = retract && aggregates.retract(before);
    boolean addedToWindows = add && aggregates.add(after);
    if (retract) {
      if (retractedFromWindows) {
        inWindows.delete(rowKey(entity, delta.before()));
      }
      if (before.source().keptForLifetime(before)) {
        forLifetime.delete(rowKey(entity, delta.before()));
      }
    }
    if (add) {
      if (addedToWindows) {
        inWindows.put(rowKey(entity, delta.after()), delta.after());
      }
      if (after.source().keptForLifetime(after)) {
        forLifetime.put(rowKey(entity, delta.after()), delta.after());
      }
    }
    EntityState state = aggregates.state;
    if (delta.lsn() >= state.lsn) {
      state.lsn = delta.lsn();
      state.commitTime = delta.commitTime();
    }
    if (delta.after() != null && (state.maxEventTime == null || delta.after().eventTime().isAfter(state.maxEventTime))) {
      state.maxEventTime = delta.after().eventTime();
    }
    state.unpublished = true;
  }

  /** Forgets the rows that left their source's longest window ({@link EntityAggregates#advanceTo}). */
  void dropAged(String entity, List<TypedRow> aged) {
    for (TypedRow row : aged) {
      inWindows.delete(rowKey(entity, row.source().definition.name(), row.pk()));
    }
  }

  /**
   * The entity's kept row with this one's primary key, or null. For a source whose events carry
   * the old rows nothing upstream checks them, and CDC is at-least-once: an old row is retracted
   * only if it is the one kept, and a new row added only if none is kept for its key, so a
   * re-delivered event (of a row since replaced, or already added) changes nothing.
   */
  private SourceRow kept(String entity, SourceRow row) {
    String key = rowKey(entity, row);
    SourceRow inWindow = inWindows.get(key);
    return inWindow != null ? inWindow : forLifetime.get(key);
  }

  /** The kept rows' key prefix of an entity: its rows are found by one prefix scan. */
  static String entityPrefix(String entity) {
    return entity + "\u0000";
  }

  private static String rowKey(String entity, SourceRow row) {
    return rowKey(entity, row.source(), row.pk());
  }

  private static String rowKey(String entity, String source, String pk) {
    return entityPrefix(entity) + source + "\u0000" + pk;
  }
}
