package dev.freshet.serving;

import dev.freshet.common.FeatureStoreSchema;
import dev.freshet.common.Settings;
import dev.freshet.common.Topics;
import java.nio.file.Path;
import java.time.Duration;

/** Typed configuration of the serving service; keys are documented in the README. */
public record ServingConfig(
    String httpHost,
    int httpPort,
    String cqlContactPoints,
    String cqlLocalDatacenter,
    String keyspace,
    Duration featureReadTimeout,
    Duration speculativeDelay,
    Path modelDir,
    Path scratchDir,
    int maxTokensLimit,
    int defaultMaxTokens,
    int promptMaxChars,
    int batchMaxIds,
    Duration freshnessWait,
    String watermarkSource) {

  public static ServingConfig from(Settings s) {
    String modelDir = s.string("generator.model-dir", "");
    return new ServingConfig(
        s.string("http.host", "127.0.0.1"),
        s.integer("http.port", 8080),
        s.requireString("cql.contact-points"),
        s.string("cql.local-datacenter", "datacenter1"),
        s.string("cql.keyspace", FeatureStoreSchema.DEFAULT_KEYSPACE),
        s.duration("cql.request-timeout", Duration.ofMillis(500)),
        s.duration("cql.speculative-delay", Duration.ofMillis(10)),
        modelDir.isEmpty() ? null : Path.of(modelDir),
        Path.of(s.string("generator.scratch-dir", System.getProperty("java.io.tmpdir") + "/freshet-model")),
        s.integer("generator.max-tokens-limit", 128),
        s.integer("generator.default-max-tokens", 64),
        s.integer("generate.prompt-max-chars", 2000),
        s.integer("features-api.batch-max-ids", 100),
        s.duration("features-api.freshness-wait", Duration.ofSeconds(2)),
        s.string("features-api.watermark-source", Topics.CHANGE_TOPIC_PREFIX));
  }
}
