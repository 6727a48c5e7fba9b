package dev.freshet.features;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.freshet.common.JsonSerde;
import java.time.Instant;

/**
 * What one source change does to one user's activity: put {@code row} (insert or update) or,
 * when {@code row} is null, remove event {@code eventId}. Keyed by user id on the repartition topic.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record UserDelta(String userId, long eventId, EventRow row, long lsn, Instant commitTime) {
  public static final JsonSerde<UserDelta> SERDE = new JsonSerde<>(UserDelta.class);
}
