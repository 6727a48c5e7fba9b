package dev.freshet.serving.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;
import java.util.Map;

/**
 * One generation as served.
 *
 * @param reason why the answer is not personalised (the feature store did not answer); null otherwise
 * @param model {@code name@version} of the model that wrote the text
 * @param features provenance of the vector the prompt was built from; null when not personalised
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GenerateResponse(
    String requestId,
    String userId,
    String text,
    boolean personalized,
    String reason,
    String model,
    String stop,
    SamplingUsed sampling,
    String prompt,
    int tokens,
    Map<String, Object> featuresUsed,
    Map<String, Object> featuresNotUnderstood,
    FeatureProvenance features,
    int batchSize,
    double queueMs,
    double latencyMs) {

  /** The sampling settings the text was generated with (the request's, or the model's defaults). */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record SamplingUsed(double temperature, int topK, long seed) {}

  /** Which vector the prompt came from, and how old it was. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record FeatureProvenance(long sourceLsn, Instant eventTime, Long ageMs) {}
}
