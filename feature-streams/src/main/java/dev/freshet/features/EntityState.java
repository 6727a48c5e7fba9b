package dev.freshet.features;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.freshet.common.JsonSerde;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Per-entity state besides the windowed rows: the provenance of the last published vector, its
 * features (to publish an expiry only when a value changed), the next scheduled expiry, and the
 * lifetime features' retractable state.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
final class EntityState {
  static final JsonSerde<EntityState> SERDE = new JsonSerde<>(EntityState.class);

  public long version;
  public long lsn;
  public Instant commitTime;
  public Instant maxEventTime;
  public Long nextExpiryMs;
  public String publishedFeatures;
  public Map<String, AggregateState> lifetime = new HashMap<>();
}
