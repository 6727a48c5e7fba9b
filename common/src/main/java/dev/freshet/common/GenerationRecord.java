package dev.freshet.common;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;
import java.util.Map;

/**
 * One answer of {@code POST /v1/generate} as it was served: the record serving publishes to the
 * generation log topic (keyed by {@code requestId}) and the offline sink appends to Iceberg, so
 * teams evaluate and retrain on what users actually saw.
 *
 * @param featuresUsed the profile features the prompt was built from, name to value as read
 * @param featuresNotUnderstood features present but outside what the model knows (mapped to "other")
 * @param featuresSourceLsn provenance of the feature vector read: the highest source LSN it
 *     reflects; null when the answer was not personalised
 * @param featuresEventTime newest source event time in that vector
 * @param featuresVersion that vector's version (its CQL write timestamp)
 * @param stop why generation ended: end_token or max_tokens
 * @param apiKeyId the id of the API key the request came with (never the key); null in records
 *     written before keys existed
 * @param traceId the request's trace id when it was traced (tracing.enabled); null otherwise
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record GenerationRecord(
    String requestId,
    String userId,
    Instant servedAt,
    String model,
    String modelVersion,
    boolean personalized,
    Map<String, Object> featuresUsed,
    Map<String, Object> featuresNotUnderstood,
    Long featuresSourceLsn,
    Instant featuresEventTime,
    Long featuresVersion,
    String prompt,
    String output,
    int tokens,
    String stop,
    double temperature,
    int topK,
    long seed,
    double latencyMs,
    String apiKeyId,
    String traceId) {}
