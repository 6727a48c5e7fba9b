package dev.freshet.serving.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import dev.freshet.common.FeatureVector;
import dev.freshet.common.Json;
import dev.freshet.serving.ApiError;
import dev.freshet.serving.ApiRoute;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The document and the records it describes are held together: each record's JSON properties are
 * exactly its schema's, and what the records write validates.
 */
class OpenApiContractTest {
  private static final OpenApiDocument DOCUMENT = OpenApiDocument.load();
  private static final JsonNode SCHEMAS = DOCUMENT.root().path("components").path("schemas");

  @Test
  void everyResponseRecordHasExactlyTheFieldsItsSchemaNames() {
    assertSameFields(ApiError.class, SCHEMAS.path("ApiError"));
    assertSameFields(UserFeaturesResponse.class, SCHEMAS.path("UserFeatures"));
    assertSameFields(BatchFeaturesResponse.class, SCHEMAS.path("BatchFeatures"));
    assertSameFields(GenerateResponse.class, SCHEMAS.path("Generation"));
    assertSameFields(GenerateResponse.SamplingUsed.class, SCHEMAS.path("Generation").path("properties").path("sampling"));
    assertSameFields(GenerateResponse.FeatureProvenance.class, SCHEMAS.path("Generation").path("properties").path("features"));
    assertSameFields(ModelsResponse.class, SCHEMAS.path("Models"));
    assertSameFields(ModelsResponse.Model.class, SCHEMAS.path("Models").path("properties").path("models").path("additionalProperties"));
    assertSameFields(ReloadResponse.class, SCHEMAS.path("Reload"));
  }

  @Test
  void whatTheRecordsWriteValidatesAndWhatBreaksTheSchemaDoesNot() {
    Map<String, Object> features = new LinkedHashMap<>();
    features.put("events_1h", 3);
    features.put("avg", 1.5);
    features.put("country", "FR");
    features.put("empty", null);
    features.put("top", List.of("a", "b"));
    Instant t = Instant.parse("2026-12-05T06:00:00.123Z");
    UserFeaturesResponse vector = UserFeaturesResponse.of(new FeatureVector("7", features, t, 42, t, 43, t, 1), t.plusSeconds(1), null);
    assertKept("GET", "/v1/users/7/features", 200, vector);
    assertKept("POST", "/v1/features", 200, new BatchFeaturesResponse(List.of(vector), List.of("8"), 99L));
    assertKept("POST", "/v1/generate", 200, new GenerateResponse("r", "7", "text", true, null, "m@1", "end_token",
        new GenerateResponse.SamplingUsed(0.7, 5, 9), "prompt", 3, Map.of("events_1h", 3), Map.of(),
        new GenerateResponse.FeatureProvenance(42, t, 10L), 1, 0.5, 12.0));
    assertKept("GET", "/v1/models", 200, new ModelsResponse("default", null, Map.of("default", new ModelsResponse.Model("m@1", "gru", null))));
    assertKept("POST", "/admin/models/default/reload", 200, new ReloadResponse("default", "m@1", "m@2"));
    assertKept("GET", "/v1/users/7/features", 403, new ApiError("insufficient_scope", null, "needs features:read", "features:read"));
    assertKept("DELETE", "/nope", 405, new ApiError("method_not_allowed", null, "no"));

    assertThat(DOCUMENT.problems("GET", "/v1/users/7/features", 200, "{\"user_id\": \"7\"}")).isNotEmpty();
    assertThat(DOCUMENT.problems("GET", "/v1/models", 200, "{\"default\": \"d\", \"models\": {}, \"extra\": 1}")).isNotEmpty();
    assertThat(DOCUMENT.problems("GET", "/v1/models", 500, "{\"error\": \"internal_error\"}")).as("no message").isNotEmpty();
    assertThat(DOCUMENT.problems("GET", "/v1/models", 200, "<html>")).isNotEmpty();
    assertThat(DOCUMENT.problems("GET", "/somewhere", 200, "{}")).as("a path the document does not name").isNotEmpty();
  }

  @Test
  void everyOperationNamesTheScopeItsRouteRequires() {
    Map<String, String> scopes = Map.of("/v1/users/{userId}/features", ApiRoute.USER_FEATURES.scope().value(),
        "/v1/features", ApiRoute.BATCH_FEATURES.scope().value(), "/v1/generate", ApiRoute.GENERATE.scope().value(),
        "/v1/models", ApiRoute.MODELS.scope().value(), "/admin/models", ApiRoute.ADMIN.scope().value(),
        "/admin/models/{name}/reload", ApiRoute.ADMIN.scope().value());
    scopes.forEach((path, scope) -> {
      JsonNode ops = DOCUMENT.root().path("paths").path(path);
      assertThat(ops.isObject()).as(path).isTrue();
      ops.fields().forEachRemaining(op -> assertThat(op.getValue().path("x-scope").asText()).as(path).isEqualTo(scope));
    });
  }

  private static void assertKept(String method, String path, int status, Object body) {
    assertThat(DOCUMENT.problems(method, path, status, Json.write(body))).isEmpty();
  }

  private static void assertSameFields(Class<?> record, JsonNode schema) {
    Set<String> written = new HashSet<>();
    for (BeanPropertyDefinition p : Json.MAPPER.getSerializationConfig().introspect(Json.MAPPER.constructType(record)).findProperties()) {
      written.add(p.getName());
    }
    Set<String> declared = new HashSet<>();
    schema.path("properties").fieldNames().forEachRemaining(declared::add);
    assertThat(written).as(record.getSimpleName()).isEqualTo(declared);
  }
}
