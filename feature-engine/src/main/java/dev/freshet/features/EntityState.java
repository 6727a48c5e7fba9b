package dev.freshet.features;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The durable per-entity state besides its rows: the provenance of its next vector, whether a
 * change is not yet published, when it is next due ({@link ExpirySchedule}), and the totals of
 * the reversible lifetime features (count, sum, avg). Everything else an entity's features need
 * is derived from its kept rows ({@link EntityAggregates}). Stored as {@link StateCodec#ENTITY_STATES}.
 */
final class EntityState {
  long version;
  long lsn;
  Instant commitTime;
  Instant maxEventTime;
  /** The time of this entity's entry in the expiry schedule, or null when it has none. */
  Long dueMs;
  /** A source change was applied since the last vector: the next flush publishes one. */
  boolean unpublished;
  Map<String, FeatureAccumulator.Total> lifetime = new HashMap<>();
}
