package dev.freshet.features;

import java.time.Instant;

/**
 * A parsed change of one source row. {@code after} is null for a delete: with PostgreSQL's default
 * replica identity a delete carries only the primary key, so the topology keeps the last seen
 * row itself to know what to retract.
 *
 * @param snapshot the row was read by the connector's initial snapshot ({@code op = r}), not
 *     changed just now: it is never late
 */
record RowChange(String pk, SourceRow after, long lsn, Instant commitTime, boolean snapshot) {
  boolean isDelete() {
    return after == null;
  }
}
