package dev.freshet.serving;

import com.fasterxml.jackson.databind.JsonNode;
import dev.freshet.serving.generator.Sampling;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A validated {@code POST /v1/generate} body; {@code minLsn} null when not asked for. Sampling:
 * {@code temperature} 0 to {@link #MAX_TEMPERATURE} (0, the default, is greedy), {@code top_k} 0 to
 * {@link #MAX_TOP_K} (0, the default, keeps every token), {@code seed} any integer (a random one
 * when absent, returned in the answer so the text can be reproduced).
 */
record GenerateRequest(String userId, String prompt, int maxTokens, Long minLsn, Sampling sampling) {
  static final double MAX_TEMPERATURE = 2.0;
  static final int MAX_TOP_K = 1_000;


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
        FreshnessGate.parse(JsonBodies.textOrNumber(root.path("min_lsn")), "min_lsn"), sampling(root));
  }

  private static Sampling sampling(JsonNode root) {
    double temperature = 0;
    JsonNode t = root.path("temperature");
    if (present(t)) {
      if (!t.isNumber() || t.asDouble() < 0 || t.asDouble() > MAX_TEMPERATURE) {
        throw ApiError.badField("temperature", "temperature must be a number from 0 (greedy) to " + MAX_TEMPERATURE);
      }
      temperature = t.asDouble();
    }
    int topK = 0;
    JsonNode k = root.path("top_k");
    if (present(k)) {
      if (!k.isIntegralNumber() || k.asLong() < 0 || k.asLong() > MAX_TOP_K) {
        throw ApiError.badField("top_k", "top_k must be an integer from 0 (every token) to " + MAX_TOP_K);
      }
      topK = k.asInt();
    }
    long seed;
    JsonNode sd = root.path("seed");
    if (present(sd)) {
      if (!sd.isIntegralNumber() || !sd.canConvertToLong()) {
        throw ApiError.badField("seed", "seed must be an integer (64-bit)");
      }
      seed = sd.asLong();
    } else {
      seed = ThreadLocalRandom.current().nextLong();
    }
    return new Sampling(temperature, topK, seed);
  }

  private static boolean present(JsonNode node) {
    return !node.isMissingNode() && !node.isNull();
  }
}
