package dev.freshet.serving.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.freshet.common.FeatureVector;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * One user's vector as served, with its provenance and ages.
 *
 * @param ageMs now − {@code computedAt}
 * @param eventAgeMs now − {@code eventTime}
 * @param watermarkLsn the store's freshness watermark a {@code min_lsn} read waited for; null without one
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UserFeaturesResponse(
    String userId,
    @JsonInclude(JsonInclude.Include.ALWAYS) Map<String, Object> features,
    Instant eventTime,
    long sourceLsn,
    Instant sourceCommitTime,
    long version,
    Instant computedAt,
    int definitionVersion,
    Long ageMs,
    Long eventAgeMs,
    Long watermarkLsn) {

  public static UserFeaturesResponse of(FeatureVector f, Instant now, Long watermarkLsn) {
    return new UserFeaturesResponse(f.userId(), f.features(), f.eventTime(), f.sourceLsn(), f.sourceCommitTime(), f.version(),
        f.computedAt(), f.definitionVersion(), ageMs(f.computedAt(), now), ageMs(f.eventTime(), now), watermarkLsn);
  }

  /** Milliseconds from {@code t} to {@code now}, or null without a {@code t}. */
  public static Long ageMs(Instant t, Instant now) {
    return t == null ? null : Duration.between(t, now).toMillis();
  }
}
