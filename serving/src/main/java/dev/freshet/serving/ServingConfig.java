package dev.freshet.serving;

import dev.freshet.common.FeatureStoreSchema;
import dev.freshet.common.CqlConnection;
import dev.freshet.common.KafkaConnection;
import dev.freshet.common.Settings;
import dev.freshet.common.Topics;
import dev.freshet.common.Tracing;
import dev.freshet.serving.generator.GenerationBatcher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Typed configuration of the serving service; keys are documented in the README.
 *
 * @param models model name to directory, in the order given; {@value #BUNDLED} is the model
 *     committed with the code, unpacked into {@code scratchDir}
 * @param kafka where the generation log goes; null when it is off
 * @param adminHost the admin listener's address, loopback by default: it can replace models
 * @param modelsRoot the only directory tree a reload may load a model from; null: reloads only
 *     from each model's configured directory
 * @param httpTlsCertificate PEM certificate chain of the API listener; null: plain HTTP
 * @param httpTlsKey PEM private key of that certificate
 * @param opsHost where {@code /health}, {@code /ready} and {@code /metrics} listen (no key needed)
 * @param apiKeysFile the API keys (ids, bcrypt hashes, scopes), re-read every {@code apiKeysReload}
 * @param ratePerSecond each route's requests per second per key, unless the key sets its own
 * @param generationsInFlightPerKey generations one key may have queued or running at once
 */
public record ServingConfig(
    String httpHost,
    int httpPort,
    Path httpTlsCertificate,
    Path httpTlsKey,
    Duration httpTlsReload,
    long maxBodyBytes,
    String adminHost,
    int adminPort,
    String opsHost,
    int opsPort,
    Path apiKeysFile,
    Duration apiKeysReload,
    Map<ApiRoute, Integer> ratePerSecond,
    int generationsInFlightPerKey,
    Path modelsRoot,
    CqlConnection cql,
    String keyspace,
    Duration featureReadTimeout,
    Duration speculativeDelay,
    Map<String, String> models,
    String defaultModel,
    Path scratchDir,
    GenerationBatcher.Settings batching,
    int maxTokensLimit,
    int promptMaxChars,
    Duration generateTimeout,
    Duration generateMaxTimeout,
    int batchMaxIds,
    Duration freshnessWait,
    String watermarkSource,
    KafkaConnection kafka,
    String generationLogTopic,
    int topicPartitions,
    short replicationFactor,
    int generationLogBuffer,
    Tracing.Config tracing) {

  public static final String BUNDLED = "bundled";

  public static ServingConfig from(Settings s) {
    Map<String, String> models = models(s.string("generator.models", "default=" + BUNDLED));
    String defaultModel = s.string("generator.default-model", models.keySet().iterator().next());
    if (!models.containsKey(defaultModel)) {
      throw new Settings.ConfigException("generator.default-model '" + defaultModel + "' is not in generator.models " + models.keySet());
    }
    boolean log = Boolean.parseBoolean(s.string("generation-log.enabled", "true"));
    if ((optionalPath(s, "http.tls.certificate") == null) != (optionalPath(s, "http.tls.key") == null)) {
      throw new Settings.ConfigException("http.tls.certificate and http.tls.key go together: set both for HTTPS, or neither");
    }
    return new ServingConfig(
        s.string("http.host", "127.0.0.1"),
        s.integer("http.port", 8080),
        optionalPath(s, "http.tls.certificate"),
        optionalPath(s, "http.tls.key"),
        s.duration("http.tls.reload-interval", Duration.ofMinutes(1)),
        s.integer("http.max-body-bytes", 1 << 20),
        s.string("admin.host", "127.0.0.1"),
        s.integer("admin.port", 8081),
        s.string("ops.host", "127.0.0.1"),
        s.integer("ops.port", 8082),
        Path.of(s.requireString("auth.keys-file")),
        s.duration("auth.reload-interval", Duration.ofSeconds(2)),
        rates(s),
        s.integer("limits.generate.in-flight-per-key", 32),
        optionalPath(s, "generator.models-root"),
        CqlConnection.from(s),
        s.string("cql.keyspace", FeatureStoreSchema.DEFAULT_KEYSPACE),
        s.duration("cql.request-timeout", Duration.ofMillis(500)),
        s.duration("cql.speculative-delay", Duration.ofMillis(10)),
        models,
        defaultModel,
        Path.of(s.string("generator.scratch-dir", System.getProperty("java.io.tmpdir") + "/freshet-model")),
        new GenerationBatcher.Settings(
            s.integer("generator.queue-capacity", 256),
            s.integer("generator.max-batch", 16),
            s.duration("generator.batch-max-wait", Duration.ZERO),
            s.integer("generator.workers", 1)),
        s.integer("generator.max-tokens-limit", 128),
        s.integer("generate.prompt-max-chars", 2000),
        s.duration("generate.timeout", Duration.ofSeconds(2)),
        s.duration("generate.max-timeout", Duration.ofSeconds(30)),
        s.integer("features-api.batch-max-ids", 100),
        s.duration("features-api.freshness-wait", Duration.ofSeconds(2)),
        s.string("features-api.watermark-source", Topics.CHANGE_TOPIC_PREFIX),
        log ? KafkaConnection.from(s) : null,
        s.string("topics.generations", Topics.GENERATIONS),
        s.integer("topics.partitions", 2),
        (short) s.integer("topics.replication-factor", 1),
        s.integer("generation-log.buffer", 10_000),
        Tracing.Config.from(s));
  }

  private static Path optionalPath(Settings s, String key) {
    String value = s.string(key, "");
    return value.isBlank() ? null : Path.of(value);
  }

  private static Map<ApiRoute, Integer> rates(Settings s) {
    Map<ApiRoute, Integer> rates = new EnumMap<>(ApiRoute.class);
    for (ApiRoute route : ApiRoute.values()) {
      String key = "limits." + route.limitName() + ".per-second";
      int rate = s.integer(key, route.defaultPerSecond());
      if (rate <= 0) {
        throw new Settings.ConfigException(key + " must be a positive number of requests per second");
      }
      rates.put(route, rate);
    }
    return rates;
  }

  /** {@code name=dir,name=dir}; a name given twice is a mistake, not an override. */
  private static Map<String, String> models(String spec) {
    Map<String, String> models = new LinkedHashMap<>();
    for (String entry : spec.split(",")) {
      if (entry.isBlank()) {
        continue;
      }
      int eq = entry.indexOf('=');
      if (eq <= 0 || eq == entry.length() - 1) {
        throw new Settings.ConfigException("generator.models: '" + entry.trim() + "' is not name=directory");
      }
      if (models.put(entry.substring(0, eq).trim(), entry.substring(eq + 1).trim()) != null) {
        throw new Settings.ConfigException("generator.models names '" + entry.substring(0, eq).trim() + "' twice");
      }
    }
    if (models.isEmpty()) {
      throw new Settings.ConfigException("generator.models lists no model");
    }
    return models;
  }
}
