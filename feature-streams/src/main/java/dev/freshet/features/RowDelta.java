package dev.freshet.features;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.freshet.common.JsonSerde;
import java.time.Instant;

/**
 * What one source change does to one entity: replace {@code before} (null: the row is new to the
 * entity) with {@code after} (null: the row leaves it). Carrying the old row makes retraction
 * exact without the aggregator keeping every row. Keyed by entity id on the repartition topic.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RowDelta(String entity, SourceRow before, SourceRow after, long lsn, Instant commitTime) {
  public static final JsonSerde<RowDelta> SERDE = new JsonSerde<>(RowDelta.class);
}
