package dev.freshet.common;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;
import java.util.Map;

/**
 * One user's current feature values (every feature the definitions declare): the record on the features topic, keyed by {@code userId},
 * and what the online and offline stores keep.
 *
 * @param features feature name to value (a number, a string, or null when the window is empty)
 * @param eventTime the newest source event time the values reflect
 * @param sourceLsn the highest source-database LSN the values reflect
 * @param sourceCommitTime commit time of the source transaction at {@code sourceLsn}
 * @param version strictly increasing per user: the publish time in microseconds, or one more than
 *     the user's previous version (see feature-streams); the CQL write timestamp, so a replayed older
 *     vector can never overwrite a newer one, and a rebuilt topology's vectors overwrite the old ones
 * @param computedAt wall-clock time the sliding windows were evaluated at
 * @param definitionVersion the {@code version} of the feature definition file that produced the
 *     values
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record FeatureVector(
    String userId,
    Map<String, Object> features,
    Instant eventTime,
    long sourceLsn,
    Instant sourceCommitTime,
    long version,
    Instant computedAt,
    int definitionVersion) {

  public static final JsonSerde<FeatureVector> SERDE = new JsonSerde<>(FeatureVector.class);
}
