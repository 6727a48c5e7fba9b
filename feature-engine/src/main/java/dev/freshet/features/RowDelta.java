package dev.freshet.features;

import java.io.Serializable;
import java.time.Instant;

/**
 * What one source change does to one entity: replace {@code before} (null: the row is new to the
 * entity) with {@code after} (null: the row leaves it). Carrying the old row makes retraction
 * exact without the aggregator keeping every row. Keyed by entity id on the repartition topic.
 */
public record RowDelta(String entity, SourceRow before, SourceRow after, long lsn, Instant commitTime) implements Serializable {}
