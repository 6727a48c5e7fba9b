package dev.freshet.features;

import java.time.Instant;

/**
 * A parsed change of one source row. {@code after} is null for a delete. {@code before} is the old
 * row as the event carries it: only for a source declared {@code replica_identity: full}; under
 * PostgreSQL's default replica identity a delete carries only the primary key and an update no old
 * row at all, so the topology keeps the last seen row itself to know what to retract.
 *
 * @param insert the row was inserted just now ({@code op = c}): only an insert can be late. A
 *     snapshot read ({@code op = r}) is old by nature, and an update corrects a row that existed
 *     (even one the tracker no longer keeps, see {@link RowTracker})
 */
record RowChange(String pk, SourceRow before, SourceRow after, long lsn, Instant commitTime, boolean insert) {
  boolean isDelete() {
    return after == null;
  }
}
