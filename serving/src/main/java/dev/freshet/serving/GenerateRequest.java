package dev.freshet.serving;

import com.fasterxml.jackson.databind.JsonNode;

/** A validated {@code POST /v1/generate} body; {@code minLsn} null when not asked for. */
record GenerateRequest(String userId, String prompt, int maxTokens, Long minLsn) {

  static GenerateRequest parse(String body, ServingConfig limits) {
    JsonNode root = JsonBodies.object(body);
    String userId = UserIds.validate(JsonBodies.textOrNumber(root.path("user_id")), "user_id");
    JsonNode prompt = root.path("prompt");
    if (!prompt.isTextual() || prompt.asText().isBlank()) {
      throw ApiError.badField("prompt", "prompt is required and must be a non-empty string");
    }
    if (prompt.asText().length() > limits.promptMaxChars()) {
      throw ApiError.badField("prompt", "prompt is longer than " + limits.promptMaxChars() + " characters");
    }
    int maxTokens = limits.defaultMaxTokens();
    JsonNode mt = root.path("max_tokens");
    if (!mt.isMissingNode() && !mt.isNull()) {
      if (!mt.isIntegralNumber() || mt.asLong() < 1 || mt.asLong() > limits.maxTokensLimit()) {
        throw ApiError.badField("max_tokens", "max_tokens must be an integer from 1 to " + limits.maxTokensLimit());
      }
      maxTokens = mt.asInt();
    }
    return new GenerateRequest(userId, prompt.asText(), maxTokens,
        FreshnessGate.parse(JsonBodies.textOrNumber(root.path("min_lsn")), "min_lsn"));
  }
}
