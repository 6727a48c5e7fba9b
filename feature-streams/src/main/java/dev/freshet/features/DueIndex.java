package dev.freshet.features;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A schedule in a state store: key {@code zero-padded millis\0id}, value the id, so a range read
 * returns what is due in time order. Each {@link #takeDue} reads from where the last one ended, not
 * from zero, because deleted entries stay as RocksDB tombstones until compaction and a scan from
 * zero would step over all of them; for the same reason an entry is never put behind that point
 * (the clock can step back, a time be due already), where no later take would find it.
 */
final class DueIndex {
  record Entry(long dueMs, String id) {}

  private final KeyValueStore<String, String> store;
  /** Every entry before this was taken; 0 after a (re)start: the first take reads the whole index once. */
  private long takenThroughMs;

  DueIndex(KeyValueStore<String, String> store) {
    this.store = store;
  }

  /** Schedules {@code id} at {@code dueMs}, or at the next take if that is already past; returns the time used. */
  long put(long dueMs, String id) {
    long at = Math.max(dueMs, takenThroughMs);
    store.put(key(at, id), id);
    return at;
  }

  void delete(long dueMs, String id) {
    store.delete(key(dueMs, id));
  }

  /** Removes and returns every entry due by {@code nowMs}, earliest first. */
  List<Entry> takeDue(long nowMs) {
    if (nowMs < takenThroughMs) {
      return List.of(); // the same millisecond as the last take: nothing new can be due
    }
    List<Entry> due = new ArrayList<>();
    try (KeyValueIterator<String, String> it = store.range(SortableText.zeroPadded(takenThroughMs, 15),
        SortableText.zeroPadded(nowMs, 15) + "\u0001")) {
      it.forEachRemaining(kv -> due.add(new Entry(Long.parseLong(kv.key.substring(0, 15)), kv.value)));
    }
    due.forEach(e -> delete(e.dueMs(), e.id()));
    takenThroughMs = nowMs + 1;
    return due;
  }

  private static String key(long ms, String id) {
    return SortableText.zeroPadded(ms, 15) + "\u0000" + id;
  }
}
