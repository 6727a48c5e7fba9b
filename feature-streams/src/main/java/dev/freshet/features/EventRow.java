package dev.freshet.features;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.freshet.common.JsonSerde;
import java.math.BigDecimal;
import java.time.Instant;

/** One row of the source {@code events} table, as last seen by the topology. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record EventRow(
    long id,
    String userId,
    String kind,
    String item,
    String category,
    String author,
    BigDecimal amount,
    Instant occurredAt) {

  public static final JsonSerde<EventRow> SERDE = new JsonSerde<>(EventRow.class);
}
