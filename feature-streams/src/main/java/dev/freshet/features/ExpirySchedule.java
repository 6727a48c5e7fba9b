package dev.freshet.features;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * When each entity of an aggregator task is next due (a row leaves one of its windows), in memory.
 * It is derived state: each entity's {@link EntityState#dueMs} is the durable truth, and the task
 * rebuilds the schedule from {@code entity-state} when it starts. Kept out of a store because a
 * store would cost two changelog records (the entry and its removal) each time a due time moves,
 * about once per change. Memory: one entry (~100 bytes) per entity with a row inside a window.
 */
final class ExpirySchedule {
  record Entry(long dueMs, String entity) {}

  private static final Comparator<Entry> ORDER = Comparator.comparingLong(Entry::dueMs).thenComparing(Entry::entity);

  private final TreeSet<Entry> entries = new TreeSet<>(ORDER);

  void add(long dueMs, String entity) {
    entries.add(new Entry(dueMs, entity));
  }

  void remove(long dueMs, String entity) {
    entries.remove(new Entry(dueMs, entity));
  }

  /** Removes and returns every entry due by {@code nowMs}, earliest first. */
  List<Entry> takeDue(long nowMs) {
    List<Entry> due = new ArrayList<>();
    while (!entries.isEmpty() && entries.first().dueMs() <= nowMs) {
      due.add(entries.pollFirst());
    }
    return due;
  }
}
