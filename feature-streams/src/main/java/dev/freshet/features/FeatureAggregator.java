package dev.freshet.features;

import dev.freshet.common.DeadLetter;
import dev.freshet.common.FeatureVector;
import dev.freshet.common.Tracing;
import dev.freshet.common.definitions.SourceDefinition;
import dev.freshet.common.freshness.Watermark;
import dev.freshet.common.freshness.WatermarkMerger;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies entities' row deltas incrementally ({@link EntityAggregates}) and publishes at most one
 * vector per entity per tick (the commit interval): a burst of changes for one entity yields one
 * vector with all of them. A vector is also published when a row's contribution leaves a window
 * and a value moves.
 *
 * <p>Durable state, all in changelogged RocksDB stores: {@code window-rows} (key
 * {@code entity\0source\0pk}) the rows still inside their source's longest window;
 * {@code lifetime-rows} the rows a lifetime first/last/last_n/min/max/top_k/count_distinct needs to
 * retract exactly; {@code entity-state} ({@link EntityState}: provenance, version, whether a change
 * is unpublished, when the entity is next due), behind Kafka Streams' record cache. Each tick
 * publishes the entities changed since the last one and those due in the {@link ExpirySchedule},
 * every one, with no cap: the backlog and the lag are gauges. Both sets live in memory and are
 * found again by one scan of {@code entity-state} when a task starts. The aggregates themselves
 * are rebuilt from the rows when an entity is not in the in-memory cache.
 *
 * <p>Watermark markers from the sources' trackers are merged (minimum over every source
 * partition); before a higher one is sent on to every partition of the features topic, every
 * unpublished change is published, so every vector a marker covers is ahead of it.
 *
 * <p>The vector's {@code version} (the online store's write timestamp) is {@code max(previous + 1,
 * publish time in microseconds)}: strictly increasing per entity however many vectors one
 * millisecond publishes, and above everything published earlier by any topology, so a topology
 * rebuilt from the change topics with new state (a definition change, lost state) is not ignored
 * by the store. A version derived from the source LSN was not: a rebuilt topology restarted at
 * the LSNs, below the expiry bumps already stored.
 */
final class FeatureAggregator implements Processor<String, Routed, String, Published> {
  private static final Logger LOG = LoggerFactory.getLogger(FeatureAggregator.class);
  static final String WINDOW_ROWS_STORE = "window-rows";
  static final String LIFETIME_ROWS_STORE = "lifetime-rows";
  static final String ENTITY_STATE_STORE = "entity-state";

  private final FeaturePlan plan;
  private final Duration tick;
  private final int tasks;
  private final int cachedEntities;
  private final WatermarkMerger watermarks;
  private final Counter onChange = FeatureMetrics.vectors("change");
  private final Counter onExpiry = FeatureMetrics.vectors("expiry");
  private final Timer expiryDelay = FeatureMetrics.expiryDelay();
  private final Counter unpublishable = FeatureMetrics.unpublishable();
  private FeatureMetrics.Due due;
  private ProcessorContext<String, Published> context;
  private KeyValueStore<String, SourceRow> windowRows;
  private KeyValueStore<String, SourceRow> lifetimeRows;
  private KeyValueStore<String, EntityState> states;
  private EntityRows rows;
  private ExpirySchedule expiries;
  private Map<String, EntityAggregates> cache;
  /** Entities with an unpublished change, in the order of their first change. */
  private Set<String> changed;
  private final ChangeTraces traces;

  /**
   * @param tick how often unpublished changes and due expiries are published
   * @param tasks partitions of the repartition topic: how many aggregator tasks send markers
   * @param cachedEntities how many entities' aggregates are kept in memory
   */
  FeatureAggregator(FeaturePlan plan, Duration tick, int tasks, int cachedEntities, Tracing tracing) {
    this.plan = plan;
    this.traces = new ChangeTraces(tracing);
    this.tick = tick;
    this.tasks = tasks;
    this.cachedEntities = cachedEntities;
    this.watermarks = new WatermarkMerger(plan.definitions.sources().stream().map(SourceDefinition::name).collect(Collectors.toSet()));
  }

  @Override
  public void init(ProcessorContext<String, Published> context) {
    this.context = context;
    this.windowRows = context.getStateStore(WINDOW_ROWS_STORE);
    this.lifetimeRows = context.getStateStore(LIFETIME_ROWS_STORE);
    this.states = context.getStateStore(ENTITY_STATE_STORE);
    this.rows = new EntityRows(plan, EntityRows.Store.of(windowRows::get, windowRows::put, windowRows::delete),
        EntityRows.Store.of(lifetimeRows::get, lifetimeRows::put, lifetimeRows::delete));
    // Derived from the stores: rebuilt after every (re)initialisation, e.g. after a restore.
    this.cache = new LinkedHashMap<>(1024, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, EntityAggregates> eldest) {
        return size() > cachedEntities;
      }
    };
    this.changed = new LinkedHashSet<>();
    this.expiries = new ExpirySchedule();
    try (KeyValueIterator<String, EntityState> all = states.all()) {
      all.forEachRemaining(kv -> {
        if (kv.value.unpublished) {
          changed.add(kv.key); // changed before a restart, not yet published
        }
        if (kv.value.dueMs != null) {
          expiries.add(kv.value.dueMs, kv.key);
        }
      });
    }
    String task = context.taskId().toString();
    this.due = FeatureMetrics.due(task);
    context.schedule(tick, PunctuationType.WALL_CLOCK_TIME, this::publishDue);
  }

  @Override
  public void process(Record<String, Routed> record) {
    if (record.value().isWatermark()) {
      // Every delta this task got before the marker must be published ahead of it.
      Watermark w = record.value().watermark();
      watermarks.offer(w).ifPresent(lsn -> {
        publishDue(context.currentSystemTimeMs());
        context.forward(new Record<>(w.source(),
            Published.watermark(new Watermark(w.source(), lsn, Watermark.FEATURES_STREAM, context.taskId().partition(), tasks)),
            record.timestamp(), Watermark.markerHeaders()));
      });
      return;
    }
    RowDelta delta = record.value().delta();
    String entity = delta.entity();
    EntityAggregates aggregates = aggregatesAt(entity, context.currentSystemTimeMs());
    try {
      rows.apply(aggregates, delta);
    } catch (RuntimeException e) {
      cache.remove(entity); // perhaps half updated: rebuilt from the stores next time
      throw e;
    }
    changed.add(entity);
    traces.received(entity, record.headers());
    states.put(entity, aggregates.state);
  }

  /** Publishes every changed entity, then every entity whose next expiry is due by {@code nowMs}. */
  private void publishDue(long nowMs) {
    int changes = changed.size();
    for (String entity : changed) {
      publishOrDeadLetter(entity, nowMs, null);
    }
    changed.clear();
    List<ExpirySchedule.Entry> expiring = expiries.takeDue(nowMs);
    due.entities().set(changes + expiring.size());
    due.lagMs().set(expiring.isEmpty() ? 0 : Math.max(0, nowMs - expiring.get(0).dueMs()));
    for (ExpirySchedule.Entry entry : expiring) {
      publishOrDeadLetter(entry.entity(), nowMs, entry.dueMs());
    }
  }

  /**
   * Publishes one entity (that was due at {@code dueMs}, or changed: null). If its vector cannot
   * be computed (a value out of its type's range, a bug), that entity alone is dead-lettered with
   * the reason and left unpublished until its next change; the others go on. A failure that
   * escaped the tick instead would stop every entity after it, at every tick.
   */
  private void publishOrDeadLetter(String entity, long nowMs, Long dueMs) {
    try {
      EntityAggregates aggregates = aggregatesAt(entity, nowMs);
      if (dueMs != null) {
        aggregates.state.dueMs = null;
        expiryDelay.record(Duration.ofMillis(Math.max(0, nowMs - dueMs)));
      }
      publish(entity, aggregates, nowMs);
    } catch (RuntimeException e) {
      cache.remove(entity); // perhaps half refreshed: rebuilt from the stores next time
      unpublishable.increment();
      String reason = "cannot compute the features of " + plan.definitions.entity() + " " + entity + ": " + e;
      LOG.error(reason, e);
      context.forward(new Record<>(entity, Published.deadLetter(new DeadLetter(RowTracker.STAGE, reason, null, -1, -1, entity,
          null, Instant.ofEpochMilli(nowMs))), nowMs));
    }
  }

  /** Forwards the vector when a change is unpublished or a value moved, and schedules the next look. */
  private void publish(String entity, EntityAggregates aggregates, long nowMs) {
    EntityState state = aggregates.state;
    boolean changed = state.unpublished;
    if (aggregates.refresh() || changed) {
      state.version = Math.max(state.version + 1, Math.multiplyExact(nowMs, 1000L));
      Instant asOf = Instant.ofEpochMilli(nowMs);
      FeatureVector vector = new FeatureVector(entity, aggregates.values(), state.maxEventTime, state.lsn, state.commitTime,
          state.version, asOf, plan.definitions.version());
      context.forward(new Record<>(entity, Published.vector(vector), nowMs, traces.published(entity, vector)));
      (changed ? onChange : onExpiry).increment();
      aggregates.markPublished();
      state.unpublished = false;
    }
    long next = aggregates.nextExpiryNanos();
    reindex(entity, state, next == Long.MAX_VALUE ? null : ceilMillis(next));
    states.put(entity, state);
  }

  /** The entity's aggregates advanced to {@code nowMs}: from the cache, or rebuilt from its kept rows. */
  private EntityAggregates aggregatesAt(String entity, long nowMs) {
    long nowNanos = nowMs * 1_000_000L;
    EntityAggregates aggregates = cache.get(entity);
    List<TypedRow> aged;
    if (aggregates == null) {
      EntityState state = Objects.requireNonNullElseGet(states.get(entity), EntityState::new);
      aged = new ArrayList<>();
      try (KeyValueIterator<String, SourceRow> inWindows = windowRows.prefixScan(EntityRows.entityPrefix(entity), new StringSerializer());
          KeyValueIterator<String, SourceRow> kept = lifetimeRows.prefixScan(EntityRows.entityPrefix(entity), new StringSerializer())) {
        aggregates = EntityAggregates.rebuild(plan, state, nowNanos, typed(inWindows), typed(kept), aged);
      }
      cache.put(entity, aggregates);
    } else {
      aged = aggregates.advanceTo(nowNanos);
    }
    rows.dropAged(entity, aged);
    return aggregates;
  }

  private Iterator<TypedRow> typed(KeyValueIterator<String, SourceRow> rows) {
    return new Iterator<>() {
      public boolean hasNext() {
        return rows.hasNext();
      }

      public TypedRow next() {
        return plan.typed(rows.next().value);
      }
    };
  }

  private void reindex(String entity, EntityState state, Long dueMs) {
    if (Objects.equals(state.dueMs, dueMs)) {
      return;
    }
    if (state.dueMs != null) {
      expiries.remove(state.dueMs, entity);
    }
    if (dueMs != null) {
      expiries.add(dueMs, entity);
    }
    state.dueMs = dueMs;
  }

  private static long ceilMillis(long nanos) {
    return Math.floorDiv(nanos + 999_999, 1_000_000);
  }
}
