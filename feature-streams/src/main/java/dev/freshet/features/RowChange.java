package dev.freshet.features;

import java.time.Instant;

/**
 * A parsed change of one {@code events} row. {@code after} is null for a delete: with PostgreSQL's
 * default replica identity a delete carries only the primary key, so the topology keeps the last
 * seen row itself to know what to retract.
 */
record RowChange(long eventId, EventRow after, long lsn, Instant commitTime) {
  boolean isDelete() {
    return after == null;
  }
}
