package dev.freshet.features;

import dev.freshet.common.DeadLetter;
import java.time.Instant;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Turns row changes of {@code events} (keyed by event id) into per-user deltas: an UPDATE becomes
 * "replace the old row", a DELETE "remove it", an UPDATE that moves an event to another user both.
 * It keeps the last seen row per event id because PostgreSQL's default replica identity sends only
 * the key on DELETE. Unreadable change events become dead letters; processing goes on.
 */
final class EventRowTracker implements Processor<String, String, String, Routed> {
  static final String STAGE = "feature-streams";

  private ProcessorContext<String, Routed> context;
  private KeyValueStore<Long, EventRow> rows;

  @Override
  public void init(ProcessorContext<String, Routed> context) {
    this.context = context;
    this.rows = context.getStateStore(FeatureTopology.EVENT_ROWS_STORE);
  }

  @Override
  public void process(Record<String, String> record) {
    if (record.value() == null) {
      return; // the tombstone Debezium writes after a delete, for log compaction
    }
    RowChange change;
    try {
      change = ChangeEventParser.parse(record.key(), record.value());
    } catch (MalformedChangeException e) {
      context.forward(record.withValue(Routed.deadLetter(deadLetter(record, e.getMessage()))));
      return;
    }
    EventRow previous = rows.get(change.eventId());
    if (change.isDelete()) {
      rows.delete(change.eventId());
      if (previous != null) {
        forward(record, previous.userId(), change, null);
      }
      return;
    }
    EventRow after = change.after();
    rows.put(change.eventId(), after);
    if (previous != null && !previous.userId().equals(after.userId())) {
      forward(record, previous.userId(), change, null);
    }
    forward(record, after.userId(), change, after);
  }

  private void forward(Record<String, String> record, String userId, RowChange change, EventRow row) {
    UserDelta delta = new UserDelta(userId, change.eventId(), row, change.lsn(), change.commitTime());
    context.forward(record.withKey(userId).withValue(Routed.delta(delta)));
  }

  private DeadLetter deadLetter(Record<String, String> record, String reason) {
    RecordMetadata meta = context.recordMetadata().orElse(null);
    return new DeadLetter(
        STAGE,
        reason,
        meta == null ? null : meta.topic(),
        meta == null ? -1 : meta.partition(),
        meta == null ? -1 : meta.offset(),
        record.key(),
        record.value(),
        Instant.ofEpochMilli(context.currentSystemTimeMs()));
  }
}
