package dev.freshet.features;

import dev.freshet.common.definitions.SourceDefinition;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What one change of a source row does to the entities, given the row last seen with its key: an
 * INSERT adds the row to its entity, an UPDATE replaces it (in two entities when it moves one), a
 * DELETE removes it; an INSERT whose event time is further behind the partition's stream time than
 * the source's allowed lateness is refused. The row tracker's decisions without its stores, so the
 * stream and a recomputation from the change history decide alike.
 *
 * @param deltas the entities' deltas, in order; empty for a refused insert or the delete of a row never seen
 * @param lateReason why an insert was refused as late, or null
 */
record ChangeRouting(List<RowDelta> deltas, String lateReason) {

  /**
   * @param previous the last row seen with the change's key (under replica identity full: the
   *     event's old row), or null
   * @param streamTimeMs the newest event time seen on the change's partition, or null
   */
  static ChangeRouting of(SourceDefinition source, RowChange change, SourceRow previous, Long streamTimeMs) {
    if (change.isDelete()) {
      return new ChangeRouting(previous == null ? List.of() : List.of(delta(previous.entity(), previous, null, change)), null);
    }
    SourceRow after = change.after();
    if (previous == null && change.insert() && streamTimeMs != null
        && after.eventTime().isBefore(Instant.ofEpochMilli(streamTimeMs).minus(source.allowedLateness()))) {
      return new ChangeRouting(List.of(), "late event: " + source.eventTime() + " " + after.eventTime() + " is "
          + Duration.between(after.eventTime(), Instant.ofEpochMilli(streamTimeMs)).toSeconds()
          + " s behind the newest event time seen (" + Instant.ofEpochMilli(streamTimeMs)
          + "); source '" + source.name() + "' allows " + source.allowedLateness().toSeconds() + " s");
    }
    if (previous != null && !previous.entity().equals(after.entity())) {
      return new ChangeRouting(List.of(delta(previous.entity(), previous, null, change), delta(after.entity(), null, after, change)), null);
    }
    return new ChangeRouting(List.of(delta(after.entity(), previous, after, change)), null);
  }

  /**
   * The partition's stream time after a change that applied {@code after}: its event time if
   * newer, capped at the wall clock {@code nowMs} (one row dated in the future must not make every
   * later row late).
   */
  static Long streamTimeAfter(Long streamTimeMs, SourceRow after, long nowMs) {
    long advanced = Math.min(after.eventTime().toEpochMilli(), nowMs);
    return streamTimeMs == null || advanced > streamTimeMs ? advanced : streamTimeMs;
  }

  private static RowDelta delta(String entity, SourceRow before, SourceRow after, RowChange change) {
    return new RowDelta(entity, before, after, change.lsn(), change.commitTime());
  }
}
