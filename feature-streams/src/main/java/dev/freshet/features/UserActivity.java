package dev.freshet.features;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.freshet.common.JsonSerde;
import java.time.Instant;
import java.util.Map;

/**
 * The state kept per user: the user's event rows still inside the longest window, and the
 * provenance of the last published vector.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record UserActivity(Map<Long, EventRow> rows, long version, long lsn, Instant commitTime) {
  public static final JsonSerde<UserActivity> SERDE = new JsonSerde<>(UserActivity.class);
}
