package dev.freshet.features;

import dev.freshet.common.definitions.FeatureDefinitions;
import dev.freshet.common.definitions.SourceDefinition;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The features recomputed from a change history by the stream's own code ({@link ChangeEventParser},
 * {@link ChangeRouting}, {@link EntityRows}, {@link EntityAggregates}): what the stream would have
 * computed had it applied each change at the given time. In the stream's two steps:
 *
 * <ol>
 *   <li>per partition of a source's change topic, in offset order, each change event is routed to
 *       its entities ({@link Partition}): it needs the row last seen with the same key;
 *   <li>per entity, its deltas in the order they were applied, and the values read at any time
 *       after the last one ({@link Entity}).
 * </ol>
 *
 * Unlike the stream's row tracker, a partition keeps every row it has seen: the tracker forgets a
 * row once no feature can need it as an old row, so this only costs memory.
 */
public final class FeatureReplay {
  private final FeaturePlan plan;

  public FeatureReplay(FeatureDefinitions definitions) {
    this.plan = new FeaturePlan(definitions);
  }

  /** The features' names, in definition order: the order of {@link Entity#valuesAt}. */
  public List<String> featureNames() {
    return plan.slots.stream().map(FeatureSlot::name).toList();
  }

  /** A router for one partition of {@code source}'s change topic. */
  public Partition partition(String source) {
    return new Partition(plan.source(source).definition);
  }

  /** A new entity with no rows. */
  public Entity entity() {
    return new Entity();
  }

  /** One partition of a source's change topic, read in offset order. */
  public static final class Partition {
    private final SourceDefinition source;
    private final ChangeEventParser parser;
    private final Map<String, SourceRow> lastRows = new HashMap<>();
    private Long streamTimeMs;
    private long late;

    private Partition(SourceDefinition source) {
      this.source = source;
      this.parser = new ChangeEventParser(source);
    }

    /**
     * The entities' deltas of one change event (key and value as on the topic), applied at
     * {@code appliedAtMs}: none for an insert the stream refuses as late (counted) or the delete
     * of a row never seen. A malformed event throws {@link MalformedChangeException}, as the
     * stream dead-letters it.
     */
    public List<RowDelta> route(String key, String value, long appliedAtMs) {
      RowChange change = parser.parse(key, value);
      SourceRow previous = source.oldRowsInEvents() ? change.before() : lastRows.get(change.pk());
      ChangeRouting routing = ChangeRouting.of(source, change, previous, streamTimeMs);
      if (routing.lateReason() != null) {
        late++;
        return List.of();
      }
      if (change.isDelete()) {
        lastRows.remove(change.pk());
      } else {
        if (!source.oldRowsInEvents()) {
          lastRows.put(change.pk(), change.after());
        }
        streamTimeMs = ChangeRouting.streamTimeAfter(streamTimeMs, change.after(), appliedAtMs);
      }
      return routing.deltas();
    }

    /** Inserts refused as late so far. */
    public long late() {
      return late;
    }
  }

  /** One entity's aggregates and kept rows, advanced through its deltas in the order they were applied. */
  public final class Entity {
    private final Map<String, SourceRow> inWindows = new HashMap<>();
    private final Map<String, SourceRow> forLifetime = new HashMap<>();
    private final EntityRows rows = new EntityRows(plan, EntityRows.Store.of(inWindows::get, inWindows::put, inWindows::remove),
        EntityRows.Store.of(forLifetime::get, forLifetime::put, forLifetime::remove));
    private EntityAggregates aggregates;
    private String id;

    private Entity() {}

    /** Applies {@code delta} at {@code atMs} (never before the previous delta's time). */
    public void apply(RowDelta delta, long atMs) {
      id = delta.entity();
      advanceTo(atMs);
      rows.apply(aggregates, delta);
    }

    /**
     * The feature values at {@code atMs} (not before the last delta's time), by name in definition
     * order; values are Long, BigDecimal, String, Instant, Boolean or lists of them, or null.
     */
    public Map<String, Object> valuesAt(long atMs) {
      advanceTo(atMs);
      aggregates.refresh();
      return aggregates.values();
    }

    private void advanceTo(long atMs) {
      long nanos = Math.multiplyExact(atMs, 1_000_000L);
      if (aggregates == null) {
        aggregates = EntityAggregates.empty(plan, new EntityState(), nanos);
      } else {
        rows.dropAged(id, aggregates.advanceTo(nanos));
      }
    }
  }
}
