package dev.freshet.features;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.freshet.common.JsonSerde;
import dev.freshet.common.definitions.ColumnType;
import java.time.Instant;
import java.util.Map;

/**
 * One source row as the topology keeps it: its key, entity and event time, and the declared
 * columns in canonical text (see {@link ColumnType#canonical}); typed on read.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record SourceRow(String source, String pk, String entity, Instant eventTime, Map<String, String> values) {
  public static final JsonSerde<SourceRow> SERDE = new JsonSerde<>(SourceRow.class);

  Object value(String column, ColumnType type) {
    return type.value(values.get(column));
  }
}
