package dev.freshet.serving.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * The models loaded, by name, and the default one. {@code modelsRoot} and each model's
 * {@code dir} only on the admin listener: they name server paths.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelsResponse(
    @JsonProperty("default") String defaultModel,
    @JsonProperty("models_root") String modelsRoot,
    Map<String, Model> models) {

  /** One loaded model: {@code name@version}, its type, and (admin only) where it was loaded from. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Model(String id, String type, String dir) {}
}
