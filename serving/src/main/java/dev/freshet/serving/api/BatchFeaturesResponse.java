package dev.freshet.serving.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/** Many users' vectors in request order, the ids that have none, and the watermark a {@code min_lsn} read waited for. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BatchFeaturesResponse(List<UserFeaturesResponse> vectors, List<String> notFound, Long watermarkLsn) {}
