package dev.freshet.features;

import dev.freshet.common.FeatureVector;
import dev.freshet.common.Json;
import dev.freshet.common.definitions.FeatureDefinition;
import dev.freshet.common.definitions.FeatureDefinitions;
import dev.freshet.common.definitions.SourceDefinition;
import dev.freshet.common.freshness.Watermark;
import dev.freshet.common.freshness.WatermarkMerger;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Applies an entity's row deltas and publishes the entity's whole feature vector, evaluated at the
 * current wall-clock time, after each one; and republishes it when a row's contribution leaves a
 * window while the entity is idle.
 *
 * <p>State: {@code window-rows} holds each entity's rows still inside their source's longest
 * window (key {@code entity\0source\0pk}, so one prefix scan reads an entity's rows); windowed
 * features are recomputed from them, which makes every aggregation exact under UPDATE and DELETE.
 * {@code entity-state} holds lifetime accumulators and provenance ({@link EntityState}).
 * {@code expiry-index} (key {@code zero-padded millis\0entity}) lists each entity's next moment a
 * contribution leaves a window; a wall-clock punctuation reads only the due prefix of it, so an
 * idle store costs nothing per tick.
 *
 * <p>Watermark markers from the sources' trackers are merged (minimum over every source partition)
 * and a higher one is sent on to every partition of the features topic.
 *
 * <p>The vector's {@code version} is {@code max(previous + 1, source LSN)}: strictly increasing per
 * entity even when many changes share one LSN (all rows of the initial snapshot do) or no change
 * happened (an expiry), and otherwise the LSN itself, so a rebuilt topology continues above
 * what it published before.
 */
final class FeatureAggregator implements Processor<String, Routed, String, Published> {
  static final String WINDOW_ROWS_STORE = "window-rows";
  static final String ENTITY_STATE_STORE = "entity-state";
  static final String EXPIRY_INDEX_STORE = "expiry-index";
  private static final int MAX_EXPIRIES_PER_TICK = 10_000;

  private final FeatureDefinitions definitions;
  private final Duration checkInterval;
  private final int tasks;
  private final WatermarkMerger watermarks;
  private final Counter onChange = FeatureMetrics.vectors("change");
  private final Counter onExpiry = FeatureMetrics.vectors("expiry");
  private final Timer expiryDelay = FeatureMetrics.expiryDelay();
  private ProcessorContext<String, Published> context;
  private KeyValueStore<String, SourceRow> windowRows;
  private KeyValueStore<String, EntityState> states;
  private KeyValueStore<String, String> expiries;

  /** @param tasks partitions of the repartition topic: how many aggregator tasks send markers */
  FeatureAggregator(FeatureDefinitions definitions, Duration checkInterval, int tasks) {
    this.definitions = definitions;
    this.checkInterval = checkInterval;
    this.tasks = tasks;
    this.watermarks = new WatermarkMerger(definitions.sources().stream().map(SourceDefinition::name).collect(Collectors.toSet()));
  }

  @Override
  public void init(ProcessorContext<String, Published> context) {
    this.context = context;
    this.windowRows = context.getStateStore(WINDOW_ROWS_STORE);
    this.states = context.getStateStore(ENTITY_STATE_STORE);
    this.expiries = context.getStateStore(EXPIRY_INDEX_STORE);
    context.schedule(checkInterval, PunctuationType.WALL_CLOCK_TIME, this::expireDue);
  }

  @Override
  public void process(Record<String, Routed> record) {
    if (record.value().isWatermark()) {
      // Every delta this task got before the marker has been applied and its vector forwarded.
      Watermark w = record.value().watermark();
      watermarks.offer(w).ifPresent(lsn -> context.forward(new Record<>(w.source(),
          Published.watermark(new Watermark(w.source(), lsn, Watermark.FEATURES_STREAM, context.taskId().partition(), tasks)),
          record.timestamp(), Watermark.markerHeaders())));
      return;
    }
    RowDelta delta = record.value().delta();
    String entity = delta.entity();
    Instant asOf = Instant.ofEpochMilli(context.currentSystemTimeMs());
    EntityState state = stateOf(entity);
    SourceRow any = delta.after() != null ? delta.after() : delta.before();
    SourceDefinition source = definitions.source(any.source());

    for (FeatureDefinition f : source.lifetime()) {
      Accumulator acc = new Accumulator(f, source, state.lifetime.computeIfAbsent(f.name(), n -> new AggregateState()));
      if (delta.before() != null) {
        acc.retract(delta.before());
      }
      if (delta.after() != null) {
        acc.add(delta.after());
      }
    }
    if (delta.before() != null) {
      windowRows.delete(rowKey(entity, delta.before()));
    }
    if (delta.after() != null && !source.windowed().isEmpty()
        && delta.after().eventTime().plus(source.longestWindow()).isAfter(asOf)) {
      windowRows.put(rowKey(entity, delta.after()), delta.after());
    }

    state.version = Math.max(state.version + 1, delta.lsn());
    if (delta.lsn() >= state.lsn) {
      state.lsn = delta.lsn();
      state.commitTime = delta.commitTime();
    }
    if (delta.after() != null && (state.maxEventTime == null || delta.after().eventTime().isAfter(state.maxEventTime))) {
      state.maxEventTime = delta.after().eventTime();
    }
    publish(entity, state, asOf, true, record.timestamp());
  }

  /** Recomputes every entity whose next expiry is due and publishes those whose values changed. */
  private void expireDue(long nowMs) {
    List<KeyValue<String, String>> due = new ArrayList<>();
    try (KeyValueIterator<String, String> it = expiries.range(indexKey(0, ""), SortableText.zeroPadded(nowMs, 15) + "\u0001")) {
      while (it.hasNext() && due.size() < MAX_EXPIRIES_PER_TICK) {
        due.add(it.next());
      }
    }
    Instant asOf = Instant.ofEpochMilli(nowMs);
    for (KeyValue<String, String> entry : due) {
      expiries.delete(entry.key);
      expiryDelay.record(Duration.ofMillis(nowMs - Long.parseLong(entry.key.substring(0, 15))));
      EntityState state = states.get(entry.value);
      if (state != null) {
        state.nextExpiryMs = null;
        publish(entry.value, state, asOf, false, nowMs);
      }
    }
  }

  /**
   * Computes the vector as of {@code asOf}, reschedules the entity's next expiry and stores the
   * state; forwards the vector when {@code changed} (a source change) or when a value moved.
   */
  private void publish(String entity, EntityState state, Instant asOf, boolean changed, long timestamp) {
    long[] nextExpiry = {Long.MAX_VALUE};
    Map<String, Object> features = compute(entity, state, asOf, nextExpiry);
    String json = Json.write(features);
    boolean forward = changed || !json.equals(state.publishedFeatures);
    if (forward && !changed) {
      state.version++;
    }
    state.publishedFeatures = json;
    reschedule(entity, state, nextExpiry[0] == Long.MAX_VALUE ? null : nextExpiry[0]);
    states.put(entity, state);
    if (forward) {
      FeatureVector vector = new FeatureVector(entity, features, state.maxEventTime, state.lsn, state.commitTime,
          state.version, asOf, definitions.version());
      context.forward(new Record<>(entity, Published.vector(vector), timestamp));
      (changed ? onChange : onExpiry).increment();
    }
  }

  private Map<String, Object> compute(String entity, EntityState state, Instant asOf, long[] nextExpiry) {
    Map<String, Accumulator> windowed = new HashMap<>();
    for (SourceDefinition source : definitions.sources()) {
      for (FeatureDefinition f : source.windowed()) {
        windowed.put(f.name(), Accumulator.fresh(f, source));
      }
    }
    List<String> aged = new ArrayList<>();
    try (KeyValueIterator<String, SourceRow> it = windowRows.prefixScan(entity + "\u0000", new StringSerializer())) {
      while (it.hasNext()) {
        KeyValue<String, SourceRow> kv = it.next();
        SourceRow row = kv.value;
        SourceDefinition source = definitions.source(row.source());
        if (!row.eventTime().plus(source.longestWindow()).isAfter(asOf)) {
          aged.add(kv.key); // outside every window of its source: it can never count again
          continue;
        }
        for (FeatureDefinition f : source.windowed()) {
          if (f.window().contains(row.eventTime(), asOf)) {
            Accumulator acc = windowed.get(f.name());
            acc.add(row);
            if (acc.matches(row)) {
              nextExpiry[0] = Math.min(nextExpiry[0], ceilMillis(f.window().leavesAt(row.eventTime())));
            }
          }
        }
      }
    }
    aged.forEach(windowRows::delete);
    Map<String, Object> features = new LinkedHashMap<>();
    for (SourceDefinition source : definitions.sources()) {
      for (FeatureDefinition f : source.features()) {
        Accumulator acc = f.window().isLifetime()
            ? new Accumulator(f, source, state.lifetime.computeIfAbsent(f.name(), n -> new AggregateState()))
            : windowed.get(f.name());
        features.put(f.name(), acc.result());
      }
    }
    return features;
  }

  private void reschedule(String entity, EntityState state, Long nextMs) {
    if (java.util.Objects.equals(state.nextExpiryMs, nextMs)) {
      return;
    }
    if (state.nextExpiryMs != null) {
      expiries.delete(indexKey(state.nextExpiryMs, entity));
    }
    if (nextMs != null) {
      expiries.put(indexKey(nextMs, entity), entity);
    }
    state.nextExpiryMs = nextMs;
  }

  private EntityState stateOf(String entity) {
    EntityState s = states.get(entity);
    return s == null ? new EntityState() : s;
  }

  private static String rowKey(String entity, SourceRow row) {
    return entity + "\u0000" + row.source() + "\u0000" + row.pk();
  }

  private static String indexKey(long ms, String entity) {
    return SortableText.zeroPadded(ms, 15) + "\u0000" + entity;
  }

  private static long ceilMillis(Instant t) {
    return t.getNano() % 1_000_000 == 0 ? t.toEpochMilli() : t.toEpochMilli() + 1;
  }
}
