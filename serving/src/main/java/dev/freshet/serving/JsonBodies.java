package dev.freshet.serving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.freshet.common.Json;

/** Request bodies: a JSON object, or a 400 {@code invalid_json} saying what is wrong. */
final class JsonBodies {
  private JsonBodies() {}

  static JsonNode object(String body) {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body == null ? "" : body);
    } catch (JsonProcessingException e) {
      throw new ApiError.Failure(400, "invalid_json", null, "request body is not valid JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new ApiError.Failure(400, "invalid_json", null, "request body must be a JSON object");
    }
    return root;
  }

  /** A text or integer field as text (ids may be sent either way); null otherwise. */
  static String textOrNumber(JsonNode node) {
    return node.isTextual() || node.isIntegralNumber() ? node.asText() : null;
  }
}
