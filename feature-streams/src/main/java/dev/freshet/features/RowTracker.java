package dev.freshet.features;

import dev.freshet.common.DeadLetter;
import dev.freshet.common.Json;
import dev.freshet.common.definitions.SourceDefinition;
import dev.freshet.common.freshness.Watermark;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Turns row changes of one source table (keyed by primary key) into per-entity deltas that carry
 * the old row and the new: an UPDATE becomes "replace", a DELETE "remove", an UPDATE that moves a
 * row to another entity both. It keeps the last seen row per primary key because PostgreSQL's
 * default replica identity sends only the key on DELETE and only the new row on UPDATE. A source
 * declared {@code replica_identity: full} sends the old row with each, and nothing is kept: the
 * aggregator then checks each old row against the one it holds (see {@link FeatureAggregator}).
 *
 * <p>The last seen row is kept only as long as some feature can still need it as a before-image:
 * while it is inside its source's longest window, and for good when it passes the filter of a
 * lifetime feature (whose retraction needs its values however old it is). A sweep removes the
 * rest: every second it reads the next slice of the store, sized so that a whole pass takes at most
 * {@link #SWEEP_PERIOD}; a row goes at most that long after it left its last window. (A schedule
 * per row would cost two more changelog records per row.) A later UPDATE or DELETE of a removed
 * row finds nothing to retract, which is right: it no longer counts anywhere.
 *
 * <p>It also enforces the source's allowed lateness against its stream time (the newest event
 * time seen on this partition, never ahead of the wall clock): an INSERT whose event time is
 * further behind goes to the dead-letter topic. Updates (corrections of rows that existed) and
 * snapshot reads are always applied. Unreadable
 * change events become dead letters too; processing goes on. Watermark markers are passed on
 * (see {@link Watermark}).
 */
final class RowTracker implements Processor<String, String, String, Routed> {
  static final String STAGE = "feature-streams";
  private static final String STREAM_TIME_KEY = "stream-time";
  private static final Duration SWEEP_INTERVAL = Duration.ofSeconds(1);
  /** A whole pass over the kept rows at least this often. */
  static final Duration SWEEP_PERIOD = Duration.ofHours(1);
  private static final long MIN_SWEEP_SLICE = 1_000;

  private final SourceDefinition source;
  private final SourcePlan plan;
  private final ChangeEventParser parser;
  private final Counter malformed;
  private final Counter late;
  /** Whether the last row per key is kept: not when the events carry it (replica identity full). */
  private final boolean keepsRows;
  private ProcessorContext<String, Routed> context;
  private KeyValueStore<String, SourceRow> rows;
  private KeyValueStore<String, Long> streamTimes;
  /** The last key the sweep read; null: the next slice starts from the first key. */
  private String sweptThrough;

  RowTracker(SourcePlan plan) {
    this.plan = plan;
    this.source = plan.definition;
    this.parser = new ChangeEventParser(source);
    this.keepsRows = !source.oldRowsInEvents();
    this.malformed = FeatureMetrics.deadLetters(source.name(), "malformed");
    this.late = FeatureMetrics.deadLetters(source.name(), "late");
  }

  static String rowsStore(SourceDefinition source) {
    return "rows-" + source.name();
  }

  static String streamTimeStore(SourceDefinition source) {
    return "stream-time-" + source.name();
  }

  @Override
  public void init(ProcessorContext<String, Routed> context) {
    this.context = context;
    this.rows = context.getStateStore(rowsStore(source));
    this.streamTimes = context.getStateStore(streamTimeStore(source));
    context.schedule(SWEEP_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::sweep);
  }

  @Override
  public void process(Record<String, String> record) {
    if (Watermark.isMarker(record.headers())) {
      forwardWatermark(record);
      return;
    }
    if (record.value() == null) {
      return; // the tombstone Debezium writes after a delete, for log compaction
    }
    RowChange change;
    try {
      change = parser.parse(record.key(), record.value());
    } catch (MalformedChangeException e) {
      malformed.increment();
      deadLetter(record, e.getMessage());
      return;
    }
    // Forward first, then change the stores: a failure while forwarding (the record is then
    // dead-lettered by the processing exception handler) leaves this processor's state untouched.
    SourceRow previous = keepsRows ? rows.get(change.pk()) : change.before();
    Long streamTime = streamTimes.get(STREAM_TIME_KEY);
    ChangeRouting routing = ChangeRouting.of(source, change, previous, streamTime);
    if (routing.lateReason() != null) {
      late.increment();
      deadLetter(record, routing.lateReason());
      return;
    }
    for (RowDelta delta : routing.deltas()) {
      context.forward(record.withKey(delta.entity()).withValue(Routed.delta(delta)));
    }
    if (change.isDelete()) {
      if (keepsRows && previous != null) {
        rows.delete(change.pk());
      }
      return;
    }
    if (keepsRows) {
      rows.put(change.pk(), change.after());
    }
    Long advanced = ChangeRouting.streamTimeAfter(streamTime, change.after(), context.currentSystemTimeMs());
    if (!advanced.equals(streamTime)) {
      streamTimes.put(STREAM_TIME_KEY, advanced);
    }
  }

  /** Reads the next slice of the kept rows and removes those no feature needs any more. */
  private void sweep(long nowMs) {
    long slice = Math.max(MIN_SWEEP_SLICE, rows.approximateNumEntries() * SWEEP_INTERVAL.toMillis() / SWEEP_PERIOD.toMillis());
    Instant now = Instant.ofEpochMilli(nowMs);
    List<String> unneeded = new ArrayList<>();
    String last = null;
    try (KeyValueIterator<String, SourceRow> it = rows.range(sweptThrough, null)) {
      for (long read = 0; read < slice && it.hasNext(); ) {
        KeyValue<String, SourceRow> kv = it.next();
        if (kv.key.equals(sweptThrough)) {
          continue; // the range starts at the last key read before
        }
        read++;
        last = kv.key;
        if (!kv.value.eventTime().plus(source.longestWindow()).isAfter(now) && !plan.trackedForLifetime(plan.typed(kv.value))) {
          unneeded.add(kv.key);
        }
      }
      sweptThrough = it.hasNext() ? last : null; // at the end: the next slice starts over
    }
    unneeded.forEach(rows::delete);
  }

  /** Passes ingest-cdc's marker on, as this source's stream, to every aggregator task. */
  private void forwardWatermark(Record<String, String> record) {
    Watermark w;
    try {
      w = Json.read(record.value(), Watermark.class);
    } catch (RuntimeException e) {
      malformed.increment();
      deadLetter(record, "unreadable watermark marker: " + e.getMessage());
      return;
    }
    // ingest-cdc wrote it to partition w.sender() of w.senders(): this task is that sender downstream.
    context.forward(record.withValue(Routed.watermark(w.sentBy(source.name(), w.sender(), w.senders()))));
  }

  private void deadLetter(Record<String, String> record, String reason) {
    RecordMetadata meta = context.recordMetadata().orElse(null);
    DeadLetter dead = new DeadLetter(
        STAGE,
        reason,
        meta == null ? null : meta.topic(),
        meta == null ? -1 : meta.partition(),
        meta == null ? -1 : meta.offset(),
        record.key(),
        record.value(),
        Instant.ofEpochMilli(context.currentSystemTimeMs()));
    context.forward(record.withValue(Routed.deadLetter(dead)));
  }
}
