package dev.freshet.serving;

import com.fasterxml.jackson.databind.JsonNode;
import dev.freshet.serving.generator.ModelManifest;
import dev.freshet.serving.generator.ModelRegistry;
import dev.freshet.serving.generator.Sampling;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A validated {@code POST /v1/generate} body; {@code minLsn} null when not asked for.
 * {@code model} names one of the loaded models (the default when absent); {@code max_tokens},
 * {@code temperature} and {@code top_k} default to that model's manifest; {@code min_tokens}
 * (default 0, at most {@code max_tokens}) holds the end token back, e.g. for fixed-length benchmarks. {@code timeout_ms}
 * bounds the whole request (feature read, queue, generation). Sampling:
 * {@code temperature} 0 to {@link #MAX_TEMPERATURE} (0, the default, is greedy), {@code top_k} 0 to
 * {@link #MAX_TOP_K} (0, the default, keeps every token), {@code seed} any integer (a random one
 * when absent, returned in the answer so the text can be reproduced).
 */
record GenerateRequest(String userId, String prompt, String model, int minTokens, int maxTokens, Long minLsn, Sampling sampling, Duration timeout) {
  static final double MAX_TEMPERATURE = 2.0;
  static final int MAX_TOP_K = 1_000;

  static GenerateRequest parse(String body, ServingConfig limits, ModelRegistry models) {
    JsonNode root = JsonBodies.object(body);
    String model = models.defaultModel();
    JsonNode m = root.path("model");
    if (present(m)) {
      if (!m.isTextual() || !models.has(m.asText())) {
        throw ApiError.badField("model", "model must be one of " + models.names());
      }
      model = m.asText();
    }
    ModelManifest manifest = models.current(model);
    String userId = UserIds.validate(JsonBodies.textOrNumber(root.path("user_id")), "user_id");
    JsonNode prompt = root.path("prompt");
    if (!prompt.isTextual() || prompt.asText().isBlank()) {
      throw ApiError.badField("prompt", "prompt is required and must be a non-empty string");
    }
    if (prompt.asText().length() > limits.promptMaxChars()) {
      throw ApiError.badField("prompt", "prompt is longer than " + limits.promptMaxChars() + " characters");
    }
    int maxTokens = integerIn(root, "max_tokens", 1, "1", limits.maxTokensLimit(),
        Math.min(manifest.defaultMaxTokens(), limits.maxTokensLimit()));
    int minTokens = integerIn(root, "min_tokens", 0, "0", maxTokens, 0);
    long maxTimeout = limits.generateMaxTimeout().toMillis();
    Duration timeout = Duration.ofMillis(integerIn(root, "timeout_ms", 1, "1", (int) Math.min(maxTimeout, Integer.MAX_VALUE),
        (int) limits.generateTimeout().toMillis()));
    return new GenerateRequest(userId, prompt.asText(), model, minTokens, maxTokens,
        FreshnessGate.parse(JsonBodies.textOrNumber(root.path("min_lsn")), "min_lsn"), sampling(root, manifest), timeout);
  }

  private static Sampling sampling(JsonNode root, ModelManifest defaults) {
    double temperature = defaults.defaultTemperature();
    JsonNode t = root.path("temperature");
    if (present(t)) {
      if (!t.isNumber() || t.asDouble() < 0 || t.asDouble() > MAX_TEMPERATURE) {
        throw ApiError.badField("temperature", "temperature must be a number from 0 (greedy) to " + MAX_TEMPERATURE);
      }
      temperature = t.asDouble();
    }
    int topK = integerIn(root, "top_k", 0, "0 (every token)", MAX_TOP_K, defaults.defaultTopK());
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

  /**
   * The field as an integer from {@code min} (described as {@code minText}) to {@code max}, or
   * {@code absent} when missing or null; a 400 naming the field otherwise.
   */
  private static int integerIn(JsonNode root, String field, int min, String minText, int max, int absent) {
    JsonNode n = root.path(field);
    if (!present(n)) {
      return absent;
    }
    if (!n.isIntegralNumber() || n.asLong() < min || n.asLong() > max) {
      throw ApiError.badField(field, field + " must be an integer from " + minText + " to " + max);
    }
    return n.asInt();
  }

  private static boolean present(JsonNode node) {
    return !node.isMissingNode() && !node.isNull();
  }
}
